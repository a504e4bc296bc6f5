/**
 * Runs of CSV records of plain values, read by a small WebAssembly kernel (csv-kernel.wat): the
 * CSV reader's hot loop. A plain value is a number `[+-]digits[.digits]` (with the dialect's
 * decimal separator), a category level (or boolean spelling) the kernel was given, a date
 * `YYYY-MM-DD` or an ISO 8601 date-time, the unquoted text of a string cell, or a missing value
 * (empty, a marker, or the column's missing number) in a column that may be missing. It reads such a record about two and a half times as fast as the JavaScript fast
 * path in csv-tokenizer.ts, and gives the same doubles bit for bit and the same level codes. The
 * reader's window of bytes lives in the kernel's memory, so nothing is copied in; the values come
 * out a column at a time.
 *
 * The kernel decides nothing about a record it cannot read: the run ends before it, and the
 * reader reads it the general way (which says what is wrong with it, if anything is). A category
 * level is known to the kernel once the reader adds it ({@link CsvKernel.addLevel}).
 */
import { Buffer } from "node:buffer";
import { CSV_KERNEL_WASM } from "./csv-kernel-wasm.js";

type ReadRunFunction = (
  pos: number,
  end: number,
  delim: number,
  fields: number,
  out: number,
  stride: number,
  maxRows: number,
  maxRecord: number,
  bounds: number,
  kinds: number,
  table: number,
  mask: number,
  syntax: number,
) => number;

/** Past this size of memory the reader keeps an ordinary buffer (a huge record limit). */
const MAX_MEMORY_BYTES = 1 << 30;
const PAGE_BYTES = 65536;
/** Slots of the levels' hash table (at most half of them used) and bytes for the levels. */
const TABLE_SLOTS = 1 << 15;
const LEVEL_BYTES = 1 << 19;
/** A level's length and field share a 32-bit word: field << 20 | length. */
const MAX_LEVEL_LENGTH = (1 << 20) - 1;
const MAX_FIELDS = 1 << 11;

let compiled: WebAssembly.Module | undefined;
/** Kernels a finished read gave back, for the next read of the same shape on this thread. */
const idle: CsvKernel[] = [];

/** What the kernel checks of a field's column. */
export type CsvKernelColumn = (
  | {
      readonly kind: "number" | "integer" | "date";
      readonly min: number;
      readonly max: number;
      /** The value that stands for a missing value (a marker that reads as a number), if any. */
      readonly missingValue?: number;
    }
  | { readonly kind: "category" | "string" }
) & {
  /** Whether a missing value (empty, a marker, the missing value) may be read. Default false. */
  readonly nullable?: boolean;
};

const KIND = { number: 0, integer: 1, category: 2, date: 3, string: 4 } as const;
/** A string cell's value: its address times this, plus its length. */
export const STRING_ADDRESS_SCALE = 2 ** 21;

/** The dialect as the kernel takes it: quote, decimal separator, comment byte, flags. */
export interface CsvKernelSyntax {
  quote: number;
  point: number;
  /** The first byte of the comment prefix, 0 for none. */
  comment: number;
  trim: boolean;
  trailing: boolean;
  /** Bytes above 0x7f are Latin-1 characters (else they end a run). */
  latin1: boolean;
}

/** RFC 4180 with a decimal point. */
const DEFAULT_KERNEL_SYNTAX: CsvKernelSyntax = {
  quote: 34,
  point: 46,
  comment: 0,
  trim: false,
  trailing: false,
  latin1: false,
};

export class CsvKernel {
  /** The reader's window of bytes: a view of the kernel's memory. */
  readonly window: Buffer;
  /**
   * Field f's values of the last run are `values[f * stride, f * stride + rows)` (a category's
   * level codes, as doubles).
   */
  readonly values: Float64Array;
  /** Just past the last record of the last run, in the window. */
  next = 0;
  private readonly run: ReadRunFunction;
  private readonly nextRecord: WebAssembly.Global;
  private readonly bytes: Uint8Array;
  private readonly doubles: Float64Array;
  private readonly ints: Int32Array;
  /** The levels' bytes written so far, and the table's slots in use. */
  private levelBytes = 0;
  private levels = 0;
  private syntax = 34 | (46 << 8);
  private latin1 = false;

  private constructor(
    memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    readonly fields: number,
    readonly stride: number,
    private readonly layout: {
      bounds: number;
      kinds: number;
      table: number;
      arena: number;
      out: number;
      window: number;
    },
    windowBytes: number,
  ) {
    this.run = instance.exports.readRun as ReadRunFunction;
    this.nextRecord = instance.exports.next as WebAssembly.Global;
    this.bytes = new Uint8Array(memory.buffer);
    this.doubles = new Float64Array(memory.buffer);
    this.ints = new Int32Array(memory.buffer);
    this.window = Buffer.from(memory.buffer, layout.window, windowBytes);
    this.values = this.doubles.subarray(layout.out / 8, layout.out / 8 + fields * stride);
    for (let k = 0; k <= 15; k++) this.doubles[k] = 10 ** k;
    this.forgetLevels();
    for (let f = 0; f < fields; f++) this.setColumn(f, { kind: "number", min: -Infinity, max: Infinity });
  }

  /**
   * A kernel for records of `fields` fields, runs of at most `stride` rows and a window of
   * `windowBytes` bytes, one a finished read gave back if there is one (its levels forgotten);
   * undefined when the memory it needs is too large, or there is no WebAssembly (then read
   * without it). Give it back with {@link release}.
   */
  static acquire(fields: number, stride: number, windowBytes: number): CsvKernel | undefined {
    const k = idle.findIndex(
      (n) => n.fields === fields && n.stride === stride && n.window.length === windowBytes,
    );
    if (k < 0) return CsvKernel.create(fields, stride, windowBytes);
    const kernel = idle.splice(k, 1)[0]!;
    kernel.forgetLevels();
    kernel.setSyntax(DEFAULT_KERNEL_SYNTAX);
    return kernel;
  }

  /** Gives the kernel back for a later read (a few are kept; the rest go to the collector). */
  release(): void {
    if (idle.length < 2 && !idle.includes(this)) idle.push(this);
  }

  /** A new kernel (see {@link acquire}). */
  static create(fields: number, stride: number, windowBytes: number): CsvKernel | undefined {
    const bounds = 128;
    const kinds = bounds + 32 * fields;
    const table = align8(kinds + fields);
    const arena = table + 16 * TABLE_SLOTS;
    const out = align8(arena + LEVEL_BYTES);
    const window = align8(out + 8 * fields * stride);
    const total = window + windowBytes;
    // Without WebAssembly (node --jitless) the reader reads every record in JavaScript.
    if (fields < 1 || fields > MAX_FIELDS || total > MAX_MEMORY_BYTES || typeof WebAssembly === "undefined")
      return undefined;
    compiled ??= new WebAssembly.Module(Buffer.from(CSV_KERNEL_WASM, "base64"));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(total / PAGE_BYTES) });
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    return new CsvKernel(
      memory,
      instance,
      fields,
      stride,
      { bounds, kinds, table, arena, out, window },
      windowBytes,
    );
  }

  /** What field f's column is and allows: values outside it end a run. */
  setColumn(f: number, column: CsvKernelColumn): void {
    this.bytes[this.layout.kinds + f] = KIND[column.kind] | (column.nullable === true ? 8 : 0);
    const at = this.layout.bounds / 8 + 4 * f;
    this.doubles[at + 2] = NaN;
    if (!("min" in column)) return;
    this.doubles[at] = column.min;
    this.doubles[at + 1] = column.max;
    this.doubles[at + 2] = column.missingValue ?? NaN;
  }

  /** The address of the window's first byte in the kernel's memory (string values hold addresses). */
  get windowAddress(): number {
    return this.layout.window;
  }

  /** The dialect of the records to read (by default RFC 4180 with a decimal point). */
  setSyntax(syntax: CsvKernelSyntax): void {
    this.syntax =
      (syntax.quote & 255) |
      ((syntax.point & 255) << 8) |
      ((syntax.comment & 255) << 16) |
      (syntax.trim ? 1 << 24 : 0) |
      (syntax.trailing ? 1 << 25 : 0) |
      (syntax.latin1 ? 1 << 26 : 0);
    this.latin1 = syntax.latin1;
  }

  /**
   * Lets the kernel read `marker` in field f as a missing value (in a column that may not be
   * missing, the marker ends the run: the reader reports it).
   */
  addMarker(f: number, marker: string): boolean {
    return this.addLevel(f, marker, -2);
  }

  /**
   * Lets the kernel read `level` (as written in the file) in field f's column as `code`. Returns
   * false when it cannot: a level that is not ASCII (the kernel leaves such bytes to the reader;
   * in Latin-1, one that is not Latin-1), or no room left (the reader then reads the level's
   * records itself).
   */
  addLevel(f: number, level: string, code: number): boolean {
    const length = level.length;
    if (length === 0 || length > MAX_LEVEL_LENGTH || this.levelBytes + length > LEVEL_BYTES) return false;
    if (2 * (this.levels + 1) > TABLE_SLOTS) return false;
    let h = 0x811c9dc5;
    for (let k = 0; k < length; k++) {
      const c = level.charCodeAt(k);
      if (c >= (this.latin1 ? 256 : 128)) return false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    h ^= Math.imul(f + 1, 0x9e3779b1);
    const at = this.layout.arena + this.levelBytes;
    for (let k = 0; k < length; k++) this.bytes[at + k] = level.charCodeAt(k);
    const slots = this.layout.table / 4;
    let slot = h & (TABLE_SLOTS - 1);
    while (this.ints[slots + 4 * slot + 1]! !== -1) slot = (slot + 1) & (TABLE_SLOTS - 1);
    this.ints[slots + 4 * slot] = h;
    this.ints[slots + 4 * slot + 1] = code;
    this.ints[slots + 4 * slot + 2] = at;
    this.ints[slots + 4 * slot + 3] = (f << 20) | length;
    this.levelBytes += length;
    this.levels++;
    return true;
  }

  /** Forgets every level (the fields are about to be given other columns). */
  forgetLevels(): void {
    const slots = this.layout.table / 4;
    for (let s = 0; s < TABLE_SLOTS; s++) this.ints[slots + 4 * s + 1] = -1;
    this.levelBytes = 0;
    this.levels = 0;
  }

  /**
   * Reads records of plain numbers and known categories from `window[pos]` on, at most
   * `maxRows` of them, each ending before `end` and no longer than `maxRecord` bytes: returns how
   * many, their values in {@link values}, and sets {@link next}. Writes a 0 at `window[end]`
   * (past the window's bytes).
   */
  read(pos: number, end: number, delim: number, maxRows: number, maxRecord: number): number {
    const { layout } = this;
    const at = layout.window;
    this.window[end] = 0;
    const rows = this.run(
      at + pos,
      at + end,
      delim,
      this.fields,
      layout.out,
      this.stride,
      Math.min(maxRows, this.stride),
      maxRecord,
      layout.bounds,
      layout.kinds,
      layout.table,
      TABLE_SLOTS - 1,
      this.syntax,
    );
    this.next = (this.nextRecord.value as number) - at;
    return rows;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
