/** What the batch builder (build-batch.ts) is given and gives back. */
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
