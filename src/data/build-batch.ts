/**
 * Turns cells into typed, checked columns. The format readers (CSV, JSON) hand each cell over as
 * bytes or text; this file and the column states it fills (column-states.ts) are the one place
 * that knows the column types, so a value reads the same from every format. What a bad cell says
 * is in cell-problems.ts.
 */
import type { DataSpec } from "../project/schemas.js";
import { closest } from "../project/did-you-mean.js";
import { showValue, type ProblemCollector } from "./collect-problems.js";
import { parseBooleanBytes, parseIsoDate, parseNumberBytes, trimEnd, trimStart } from "./parse-values.js";
import {
  batchArrays,
  columnVector,
  type BatchArrays,
  type BuildLimits,
  type BuiltBatch,
} from "./built-batch.js";
import {
  BOOLEAN_TEXT,
  T_BOOLEAN,
  T_CATEGORY,
  T_DATE,
  T_INTEGER,
  T_NUMBER,
  T_STRING,
  addLevel,
  columnStates,
  decode,
  numberWithPoint,
  type ColumnState,
} from "./column-states.js";
import { rangeProblem, typeProblem } from "./cell-problems.js";

export { BOOLEAN_TEXT, columnStates, decode, type ColumnState } from "./column-states.js";
export type { BuildLimits, BuiltBatch } from "./built-batch.js";

/** Rows of the first batch of a read (see BatchBuilder's `size`). */
const FIRST_BATCH_ROWS = 1024;

/**
 * Receives one record at a time (`begin`, a call per cell, `end`) and fills columnar arrays;
 * every problem goes to the collector with the row, line and column.
 */
export class BatchBuilder {
  readonly cols: ColumnState[];
  /** Rows in the batch being filled. */
  n = 0;
  private row = 0;
  private line = 0;
  private rowBad = false;
  private badRows = 0;
  private readonly stamp: Float64Array;
  private rows!: Uint32Array;
  private lines!: Uint32Array;
  private num!: (Float64Array | undefined)[];
  private codes!: (Int32Array | undefined)[];
  private texts!: ((string | null)[] | undefined)[];

  constructor(
    spec: DataSpec,
    private readonly problems: ProblemCollector,
    private readonly limits: BuildLimits,
    states: ColumnState[] = columnStates(spec),
    /** Where the batches' arrays come from: a worker thread reuses those sent back to it. */
    private readonly newBuffer: (bytes: number) => ArrayBuffer = (bytes) => new ArrayBuffer(bytes),
  ) {
    this.cols = states;
    this.point = spec.decimal === "," ? 44 : 46;
    this.stamp = new Float64Array(states.length).fill(-1);
    this.allocate();
  }

  /** The decimal separator of numbers in text: `.` (46) or `,` (44). */
  private readonly point: number;
  /** Batches handed out so far. */
  private taken = 0;
  /** Whether the record being read had every cell stored at once ({@link wholeNumbers}). */
  private rowWhole = false;
  private numbersOnlyFor: Int32Array | undefined;
  private numbersOnlyAnswer = false;

  /**
   * Rows in the batch being built. The first batch is small, so that the thread receiving the
   * batches starts its work while this one is still warming up.
   */
  private get size(): number {
    return this.taken === 0 ? Math.min(FIRST_BATCH_ROWS, this.limits.batchSize) : this.limits.batchSize;
  }

  private allocate(): void {
    this.fillInto(batchArrays(this.cols, this.size, this.newBuffer));
  }

  /**
   * Fills `arrays` (from {@link batchArrays}, at least a batch long) from an empty batch on, in place
   * of the arrays being filled, which are dropped. For a caller that recycles whole sets of arrays
   * and reads the `n` rows from the arrays it gave, instead of through {@link take}.
   */
  fillInto(arrays: BatchArrays): void {
    ({ rows: this.rows, lines: this.lines, num: this.num, codes: this.codes, texts: this.texts } = arrays);
    this.n = 0;
    this.badRows = 0;
    this.stamp.fill(-1);
  }

  /** Whether the batch is full and should be taken. */
  get full(): boolean {
    return this.n >= this.size;
  }

  /** Starts a record: its 1-based data row and the 1-based line where it starts. */
  begin(row: number, line: number): void {
    this.row = row;
    this.line = line;
    this.rowBad = false;
    this.rowWhole = false;
  }

  /**
   * A record of numbers only, as the CSV fast path reads them: `values[f]` is field f's number
   * (NaN where its bytes must be read the general way), `fieldToCol[f]` its column. When every
   * column is a number or integer column that gets a valid value from one field, stores them all
   * and returns true; otherwise stores nothing and returns false (then give the cells one by one,
   * which also says what is wrong with them).
   */
  wholeNumbers(values: Float64Array, fieldToCol: Int32Array, fields: number): boolean {
    const cols = this.cols;
    if (fields !== cols.length || !this.numbersOnly(fieldToCol)) return false;
    for (let f = 0; f < fields; f++) {
      const v = values[f]!;
      const col = cols[fieldToCol[f]!]!;
      // NaN fails both comparisons' negation: it takes the general path.
      if (!(v >= col.min && v <= col.max)) return false;
      if (col.markerValues !== undefined && col.markerValues.has(v)) return false;
      if (col.t === T_INTEGER && !Number.isSafeInteger(v)) return false;
    }
    const n = this.n;
    const num = this.num;
    for (let f = 0; f < fields; f++) num[fieldToCol[f]!]![n] = values[f]!;
    this.rowWhole = true;
    return true;
  }

  /**
   * Stores `count` records read by the CSV reader's kernel at once: field f's values are
   * `values[f * stride, f * stride + count)`, each already within its column's range (an integer
   * column's a safe integer), or the code of a level its category column has, or what `textOf`
   * turns into a string cell's text; NaN (a category's -1) for a missing value; the records are
   * rows `row, row + 1, ...` on one line each from `line` (0: a format without lines, every row's
   * line is 0). `count` is at most {@link room}.
   */
  kernelRows(
    values: Float64Array,
    stride: number,
    count: number,
    fieldToCol: Int32Array,
    row: number,
    line: number,
    textOf?: (value: number) => string,
  ): void {
    const n = this.n;
    for (let f = 0; f < fieldToCol.length; f++) {
      const c = fieldToCol[f]!;
      const from = f * stride;
      const texts = this.texts[c];
      if (texts !== undefined) {
        for (let k = 0; k < count; k++) {
          const v = values[from + k]!;
          texts[n + k] = v === v ? textOf!(v) : null;
        }
      } else {
        // Codes come as doubles: set() turns them into the integers they are.
        (this.num[c] ?? this.codes[c]!).set(values.subarray(from, from + count), n);
      }
      const col = this.cols[c]!;
      if (!col.nullable) continue;
      // A boolean reads as a category in the kernel: its missing code -1 is NaN here.
      const isBoolean = col.t === T_BOOLEAN;
      if (isBoolean) {
        const num = this.num[c]!;
        for (let k = n; k < n + count; k++) if (num[k] === -1) num[k] = NaN;
      }
      // Missing values (NaN; a category's code -1): the first few rows, for messages.
      const missingRows = col.missingRows;
      if (missingRows.length < 5) {
        const none = this.codes[c] === undefined && !isBoolean ? NaN : -1;
        for (let k = 0; k < count && missingRows.length < 5; k++) {
          const v = values[from + k]!;
          if (v !== v || v === none) missingRows.push(row + k);
        }
      }
    }
    const rows = this.rows;
    const lines = this.lines;
    for (let k = 0; k < count; k++) {
      rows[n + k] = row + k;
      lines[n + k] = line === 0 ? 0 : line + k;
    }
    this.n = n + count;
  }

  /** Rows the batch being built still has room for. */
  get room(): number {
    return this.size - this.n;
  }

  /** Whether `fieldToCol` maps the fields onto every column once, all of them numbers or integers. */
  numbersOnly(fieldToCol: Int32Array): boolean {
    if (this.numbersOnlyFor === fieldToCol) return this.numbersOnlyAnswer;
    this.numbersOnlyFor = fieldToCol;
    this.numbersOnlyAnswer = this.mapsEveryColumnOnce(fieldToCol, [T_NUMBER, T_INTEGER]);
    return this.numbersOnlyAnswer;
  }

  /**
   * Whether `fieldToCol` maps the fields onto every column once (of any type): records the CSV reader's kernel may read ({@link kernelRows}).
   */
  kernelColumns(fieldToCol: Int32Array): boolean {
    return this.mapsEveryColumnOnce(fieldToCol, [
      T_NUMBER,
      T_INTEGER,
      T_BOOLEAN,
      T_DATE,
      T_CATEGORY,
      T_STRING,
    ]);
  }

  private mapsEveryColumnOnce(fieldToCol: Int32Array, types: readonly number[]): boolean {
    const seen = new Set<number>();
    let ok = fieldToCol.length === this.cols.length;
    for (const c of fieldToCol) {
      const col = this.cols[c];
      if (col === undefined || seen.has(c) || !types.includes(col.t)) ok = false;
      seen.add(c);
    }
    return ok;
  }

  /** Ends the record: absent cells become missing values; the row joins the batch. */
  end(): void {
    const n = this.n;
    if (!this.rowWhole)
      for (let c = 0; c < this.cols.length; c++) {
        if (this.stamp[c] !== n) this.absent(c);
      }
    this.rows[n] = this.row;
    this.lines[n] = this.line;
    if (this.rowBad) this.badRows++;
    this.n = n + 1;
  }

  /** Hands out the batch filled so far and starts a new one. */
  take(): BuiltBatch {
    const n = this.n;
    const arrays = { num: this.num, codes: this.codes, texts: this.texts };
    const columns = this.cols.map((col, c) => columnVector(col, c, arrays, n));
    const batch: BuiltBatch = {
      length: n,
      row: this.rows.subarray(0, n),
      line: this.lines.subarray(0, n),
      columns,
      badRows: this.badRows,
    };
    this.taken++;
    // Empties the batch too.
    this.allocate();
    return batch;
  }

  /** A problem with the whole record (ragged, bad quoting, not UTF-8): its cells are not read. */
  rowProblem(kind: string, what: string, message: string, field?: string, hint?: string): void {
    this.rowBad = true;
    this.problems.add(kind, what, {
      row: this.row,
      // Line 0: a format without lines (Parquet); the row alone says where.
      ...(this.line > 0 ? { line: this.line } : {}),
      ...(field === undefined ? {} : { field }),
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  }

  private cellProblem(c: number, kind: string, what: string, message: string, hint?: string): void {
    this.rowProblem(kind, what, message, this.cols[c]!.name, hint);
  }

  /** Marks cell `c` as not holding a usable value, without a problem of its own. */
  skip(c: number): void {
    this.store(c, NaN, -1, null);
  }

  /** A cell as bytes `buf[s, e)`; `ascii` says no byte is above 0x7f (so latin1 decoding is exact). */
  bytes(c: number, buf: Buffer, s: number, e: number, ascii: boolean): void {
    const col = this.cols[c]!;
    const t = col.t;
    if (t === T_NUMBER) {
      // The common case first: a plain number within bounds. Anything else (spaces, empty, not a
      // number, out of range) takes the full path below.
      const v = parseNumberBytes(buf, s, e, this.point);
      if (v >= col.min && v <= col.max && col.markerValues === undefined) {
        this.stamp[c] = this.n;
        this.num[c]![this.n] = v;
        return;
      }
    }
    if (t === T_NUMBER || t === T_INTEGER || t === T_BOOLEAN) {
      s = trimStart(buf, s, e);
      e = trimEnd(buf, s, e);
      if (s === e) return this.missing(c);
      const v = t === T_BOOLEAN ? parseBooleanBytes(buf, s, e) : parseNumberBytes(buf, s, e, this.point);
      if (v !== v) {
        const text = decode(buf, s, e, ascii);
        if (col.markers?.has(text)) return this.missing(c);
        return this.badValue(c, text);
      }
      if (col.markerValues?.has(v)) return this.missing(c);
      return this.numeric(c, col, v);
    }
    if (s === e) return this.missing(c);
    this.text(c, decode(buf, s, e, ascii));
  }

  /**
   * A number or integer cell whose number the tokenizer already read from its bytes (the value
   * `bytes` would find in them): checked like any other.
   */
  number(c: number, v: number): void {
    const col = this.cols[c]!;
    if (col.markerValues !== undefined && col.markerValues.has(v)) return this.missing(c);
    this.numeric(c, col, v);
  }

  /** A cell as text (decoded CSV with doubled quotes, JSON strings). */
  text(c: number, value: string): void {
    const col = this.cols[c]!;
    switch (col.t) {
      case T_NUMBER:
      case T_INTEGER: {
        const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, "");
        if (trimmed === "" || col.markers?.has(trimmed)) return this.missing(c);
        const v = numberWithPoint(trimmed, this.point);
        if (!Number.isFinite(v)) return this.badValue(c, value);
        if (col.markerValues?.has(v)) return this.missing(c);
        return this.numeric(c, col, v);
      }
      case T_BOOLEAN: {
        const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, "");
        if (trimmed === "" || col.markers?.has(trimmed)) return this.missing(c);
        const v = BOOLEAN_TEXT[trimmed.toLowerCase()];
        if (v === undefined) return this.badValue(c, value);
        if (col.markerValues?.has(v)) return this.missing(c);
        return this.numeric(c, col, v);
      }
      case T_DATE: {
        const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, "");
        if (trimmed === "" || col.markers?.has(trimmed)) return this.missing(c);
        let v: number;
        if (trimmed === col.lastDateText) v = col.lastDateValue;
        else {
          v = parseIsoDate(trimmed);
          col.lastDateText = trimmed;
          col.lastDateValue = v;
        }
        if (v !== v) return this.badValue(c, value);
        if (col.markerValues?.has(v)) return this.missing(c);
        return this.numeric(c, col, v);
      }
      case T_CATEGORY:
        if (value === "" || col.markers?.has(value)) return this.missing(c);
        return this.category(c, col, value);
      default:
        if (value === "" || col.markers?.has(value)) return this.missing(c);
        this.store(c, NaN, -1, value);
    }
  }

  /** The number a trimmed text spells with this file's decimal separator, NaN when none. */

  /**
   * A JSON number token `buf[s, e)`: a number for number and integer columns, 1/0 for boolean
   * columns (as in CSV), its text for category and string; a date must be a string.
   */
  jsonNumber(c: number, buf: Buffer, s: number, e: number): void {
    const col = this.cols[c]!;
    if (col.t === T_NUMBER || col.t === T_INTEGER) {
      const v = parseNumberBytes(buf, s, e);
      if (v !== v) return this.badValue(c, decode(buf, s, e, true));
      return this.numeric(c, col, v);
    }
    if (col.t === T_BOOLEAN) return this.bytes(c, buf, s, e, true);
    if (col.t === T_DATE) return this.badValue(c, decode(buf, s, e, true));
    this.text(c, decode(buf, s, e, true));
  }

  /** A JSON `true` or `false`: 1/0 for boolean columns, the word for category and string. */
  jsonBoolean(c: number, value: boolean): void {
    const col = this.cols[c]!;
    if (col.t === T_BOOLEAN) return this.numeric(c, col, value ? 1 : 0);
    if (col.t === T_CATEGORY || col.t === T_STRING) return this.text(c, value ? "true" : "false");
    this.badValue(c, value ? "true" : "false");
  }

  /** A missing value (empty cell, JSON null): refused in a column that is not nullable. */
  missing(c: number): void {
    const col = this.cols[c]!;
    this.store(c, NaN, -1, null);
    if (col.missingRows.length < 5) col.missingRows.push(this.row);
    if (!col.nullable) {
      this.cellProblem(
        c,
        "missing",
        "missing values",
        "missing value",
        `column "${col.name}" is not nullable: fill the value, or set \`nullable: true\` for it in the data spec`,
      );
    }
  }

  private absent(c: number): void {
    const col = this.cols[c]!;
    if (col.reportAbsent && !this.rowBad) this.missing(c);
    else this.store(c, NaN, -1, null);
  }

  private store(c: number, v: number, code: number, text: string | null): void {
    const n = this.n;
    this.stamp[c] = n;
    const num = this.num[c];
    if (num !== undefined) num[n] = v;
    else {
      const codes = this.codes[c];
      if (codes !== undefined) codes[n] = code;
      else this.texts[c]![n] = text;
    }
  }

  private numeric(c: number, col: ColumnState, v: number): void {
    if (col.t === T_INTEGER && !Number.isSafeInteger(v)) return this.badValue(c, String(v));
    if (v < col.min || v > col.max) this.outOfRange(c, col, v);
    this.stamp[c] = this.n;
    this.num[c]![this.n] = v;
  }

  private outOfRange(c: number, col: ColumnState, v: number): void {
    const p = rangeProblem(col, v);
    this.cellProblem(c, p.kind, p.what, p.message, p.hint);
  }

  private category(c: number, col: ColumnState, value: string): void {
    let code = col.codeOf.get(value);
    if (code === undefined) {
      if (col.closed) {
        const near = closest(value, col.raw);
        this.cellProblem(
          c,
          "not-allowed",
          "values outside the allowed values",
          `${showValue(value)} is not one of the allowed values`,
          (near !== undefined ? `did you mean ${JSON.stringify(near)}? ` : "") +
            `allowed: ${col.raw
              .slice(0, 12)
              .map((v) => JSON.stringify(v))
              .join(", ")}${col.raw.length > 12 ? ", …" : ""}`,
        );
        return this.skip(c);
      }
      if (col.raw.length >= this.limits.maxLevels) {
        this.cellProblem(
          c,
          "levels",
          "values past the limit of distinct categories",
          `more than ${this.limits.maxLevels} distinct values; ${showValue(value)} is one too many`,
          "a column with this many values is an identifier or free text: declare it as `type: string`",
        );
        return this.skip(c);
      }
      code = addLevel(col, value);
    }
    this.stamp[c] = this.n;
    this.codes[c]![this.n] = code;
  }

  private badValue(c: number, text: string): void {
    const p = typeProblem(this.cols[c]!.t, text);
    this.cellProblem(c, p.kind, p.what, p.message, p.hint);
    this.skip(c);
  }
}
