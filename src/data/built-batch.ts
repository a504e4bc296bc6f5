/** What the batch builder (build-batch.ts) is given and gives back. */
import { T_CATEGORY, T_DATE, T_STRING, type ColumnState } from "./column-states.js";
import type { ColumnVector } from "./row-batch.js";

export interface BuildLimits {
  /** Rows per batch. */
  batchSize: number;
  /** Most distinct values a category column without `values` may have. */
  maxLevels: number;
}

/** The columns of one batch, exactly `length` rows long. */
export interface BuiltBatch {
  length: number;
  row: Uint32Array;
  line: Uint32Array;
  columns: ColumnVector[];
  /** Rows of this batch that had a problem. */
  badRows: number;
}

/**
 * The arrays a batch is filled into: the rows', the lines' and each column's (numbers and dates
 * in `num`, category codes in `codes`, strings in `texts`; undefined for the other columns).
 */
export interface BatchArrays {
  rows: Uint32Array;
  lines: Uint32Array;
  num: (Float64Array | undefined)[];
  codes: (Int32Array | undefined)[];
  texts: ((string | null)[] | undefined)[];
}

/**
 * A set of arrays of `size` rows for the columns `cols` (their states' types), the buffers from
 * `newBuffer`.
 */
export function batchArrays(
  cols: readonly { t: number }[],
  size: number,
  newBuffer: (bytes: number) => ArrayBuffer = (bytes) => new ArrayBuffer(bytes),
): BatchArrays {
  // Every cell of a row is written before the row counts, so reused arrays need no clearing.
  return {
    rows: new Uint32Array(newBuffer(size * 4)),
    lines: new Uint32Array(newBuffer(size * 4)),
    num: cols.map((c) => (c.t <= T_DATE ? new Float64Array(newBuffer(size * 8)) : undefined)),
    codes: cols.map((c) => (c.t === T_CATEGORY ? new Int32Array(newBuffer(size * 4)) : undefined)),
    texts: cols.map((c) => (c.t === T_STRING ? new Array<string | null>(size).fill(null) : undefined)),
  };
}

/**
 * Column `c` of the first `n` rows of `arrays`, as a batch hands it out: numbers and codes as
 * views of the arrays, strings copied, a category with its state's levels.
 */
export function columnVector(
  col: ColumnState,
  c: number,
  arrays: Pick<BatchArrays, "num" | "codes" | "texts">,
  n: number,
): ColumnVector {
  const { name, spec } = col;
  const t = spec.type;
  if (t === "category")
    return {
      kind: "category",
      name,
      type: t,
      codes: arrays.codes[c]!.subarray(0, n),
      levels: col.levels,
      raw: col.raw,
    };
  if (t === "string") return { kind: "string", name, type: t, values: arrays.texts[c]!.slice(0, n) };
  return { kind: "numeric", name, type: t, values: arrays.num[c]!.subarray(0, n) };
}
