/**
 * Typed rows as the readers hand them out: columnar batches, one vector per spec column.
 */
import type { ColumnType } from "../project/schemas.js";

/** A row's side of the stable split. */
export const TRAIN = 0;
/** A row's side of the stable split. */
export const TEST = 1;
export type Side = typeof TRAIN | typeof TEST;

/**
 * number, integer, boolean (1/0) and date (milliseconds since 1970-01-01T00:00:00Z) columns.
 * A missing value is NaN.
 */
export interface NumericVector {
  kind: "numeric";
  name: string;
  type: Extract<ColumnType, "number" | "integer" | "boolean" | "date">;
  values: Float64Array;
}

/**
 * category columns: one integer code per row, -1 for missing, and the levels the codes index.
 * `levels` holds the values with the spec's `labels` applied. With `values` in the spec, the
 * levels are exactly those values in spec order; without, they grow in order of first sight
 * during a read (one array shared by all batches of the read, so a code never changes meaning).
 */
export interface CategoryVector {
  kind: "category";
  name: string;
  type: "category";
  codes: Int32Array;
  levels: readonly string[];
  /** The same levels as written in the file, before `labels` (the split hashes these). */
  raw: readonly string[];
}

/** string columns: the text, null for missing. */
export interface StringVector {
  kind: "string";
  name: string;
  type: "string";
  values: (string | null)[];
}

export type ColumnVector = NumericVector | CategoryVector | StringVector;

/** Consecutive rows of a data file, columnar. Every array has exactly `length` entries. */
export interface RowBatch {
  length: number;
  /** 1-based data row numbers; a header row is not a data row. */
  row: Uint32Array;
  /**
   * 1-based physical line where each row starts in the file (the header, when there is one, is
   * line 1). It differs from `row` when quoted CSV fields hold line breaks or lines are blank.
   */
  line: Uint32Array;
  /** {@link TRAIN} (0) or {@link TEST} (1) per row. */
  side: Uint8Array;
  /** One vector per spec column, in spec order. */
  columns: ColumnVector[];
}
