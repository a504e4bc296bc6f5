/**
 * Parquet values into the batch builder. {@link parquetCell} gives one value as hyparquet
 * decodes it, with every check of the spec (the generic read, parquet-source.ts, and any row
 * below that needs it). {@link FlatRows} gives the rows of a decoded row group (parquet-flat.ts)
 * a column at a time: runs of rows whose every cell is a plain value the spec accepts (a number
 * within its column's range, a known or new category level, a text, a missing value in a
 * nullable column) go to the builder at once (`kernelRows`, as the CSV kernel's runs do); the
 * first row with any other cell (a problem, a date written as text, a marker in a column that
 * may not be missing) ends the run and goes cell by cell through {@link parquetCell}, with the
 * same value the generic read would have given. Rows, levels, problems and missing rows come
 * out the same either way.
 */
import type { ColumnType } from "../project/schemas.js";
import type { BatchBuilder, BuiltBatch } from "./build-batch.js";
import type { ProblemCollector } from "./collect-problems.js";
import {
  T_BOOLEAN,
  T_CATEGORY,
  T_DATE,
  T_INTEGER,
  T_NUMBER,
  T_STRING,
  addLevel,
  type ColumnState,
} from "./column-states.js";
import type { FlatColumn, FlatGroup } from "./parquet-flat.js";

/** One value as hyparquet decoded it, to the builder as the spec's type reads it. */
export function parquetCell(b: BatchBuilder, c: number, type: ColumnType, v: unknown): void {
  if (v === null || v === undefined) return b.missing(c);
  if (typeof v === "bigint") v = Number(v);
  if (typeof v === "number") {
    // A float NaN is how pandas writes a missing number.
    if (v !== v) return b.missing(c);
    if (type === "number" || type === "integer" || type === "date") {
      return Number.isFinite(v) ? b.number(c, v) : b.text(c, String(v));
    }
    if (type === "boolean") return b.jsonBoolean(c, v !== 0);
    return b.text(c, String(v));
  }
  if (typeof v === "boolean") return b.jsonBoolean(c, v);
  if (v instanceof Date) return b.number(c, v.getTime());
  if (typeof v === "string") return b.text(c, v);
  b.text(c, JSON.stringify(v) ?? "");
}

/** The value hyparquet's generic read gives for row `r` of a flat column. */
function valueAt(column: FlatColumn, texts: readonly string[], r: number): unknown {
  if (column.index !== undefined) {
    const i = column.index[r]!;
    return i < 0 ? null : texts[i];
  }
  const v = column.num![r]!;
  if (column.kind === "number") return v;
  if (column.kind === "boolean") return v < 0 ? null : v === 1;
  return v !== v ? null : new Date(v);
}

/** The rows of decoded row groups, to one builder. */
export class FlatRows {
  private readonly fields: Int32Array;
  private readonly types: ColumnType[];

  constructor(
    private readonly builder: BatchBuilder,
    private readonly problems: ProblemCollector,
    private readonly maxLevels: number,
  ) {
    this.fields = Int32Array.from(builder.cols, (_, c) => c);
    this.types = builder.cols.map((col) => col.spec.type);
  }

  /**
   * Gives the `n` rows of `group`, the first of them the file's row `first` (1-based), and
   * yields each batch that fills. Returns true when the problems stopped the read.
   */
  *rows(group: FlatGroup, n: number, first: number): Generator<BuiltBatch, boolean, undefined> {
    const { builder, problems } = this;
    const cols = builder.cols;
    const width = cols.length;
    // Column c's cells as the builder's kernelRows takes them: block[c * n + r].
    const block = group.block;
    // Rows where some column's cell must go through parquetCell (categories are seen per run).
    const slow = new Uint8Array(n);
    const categories: number[] = [];
    const memos: (Int32Array | undefined)[] = [];
    for (let c = 0; c < width; c++) {
      if (cols[c]!.t === T_CATEGORY) {
        categories.push(c);
        const index = group.columns[c]!.index;
        memos[c] = index === undefined ? undefined : new Int32Array(group.texts.length).fill(-2);
      } else {
        prepare(cols[c]!, group.columns[c]!, group.texts, block.subarray(c * n, (c + 1) * n), slow);
      }
    }
    const textOf = (v: number) => group.texts[v]!;
    const added: number[] = [];
    let clean = 0;
    for (let r = 0; r < n;) {
      if (clean < r) clean = r;
      while (clean < n && slow[clean] === 0) clean++;
      let end = Math.min(n, r + builder.room, clean);
      for (const c of categories) {
        const dst = block.subarray(c * n, (c + 1) * n);
        end = this.category(c, group, memos[c], dst, r, end, added);
      }
      // Levels first seen past the end of the run go: the row that ended it comes first. A
      // column's levels were added in row order, so its last ones are those past the end.
      for (let k = added.length - 2; k >= 0; k -= 2) {
        if (added[k + 1]! < end) continue;
        const c = added[k]!;
        const col = cols[c]!;
        col.codeOf.delete(col.raw.pop()!);
        col.levels.pop();
        memos[c]?.fill(-2);
      }
      added.length = 0;
      const run = end > r;
      if (run) {
        builder.kernelRows(block.subarray(r), n, end - r, this.fields, first + r, 0, textOf);
        r = end;
      } else {
        builder.begin(first + r, 0);
        for (let c = 0; c < width; c++)
          parquetCell(builder, c, this.types[c]!, valueAt(group.columns[c]!, group.texts, r));
        builder.end();
        r++;
      }
      if (builder.full) yield builder.take();
      if (!run && problems.full) {
        problems.stop({ row: first + r - 1 });
        return true;
      }
    }
    return false;
  }

  /**
   * A category column's codes for rows [r, end): known levels, new ones added (their column and
   * row pushed on `added`), -1 for a missing value in a nullable column. Returns the row of the
   * first cell that needs parquetCell (a problem), else `end`.
   */
  private category(
    c: number,
    group: FlatGroup,
    memo: Int32Array | undefined,
    dst: Float64Array,
    r: number,
    end: number,
    added: number[],
  ): number {
    const col = this.builder.cols[c]!;
    const column = group.columns[c]!;
    const { index, num } = column;
    const texts = group.texts;
    for (let k = r; k < end; k++) {
      let text: string | undefined;
      let i = -1;
      if (index !== undefined) {
        i = index[k]!;
        if (i >= 0) {
          const known = memo![i]!;
          if (known >= -1) {
            if (known === -1 && !col.nullable) return k;
            dst[k] = known;
            continue;
          }
          text = texts[i]!;
        }
      } else {
        const v = num![k]!;
        if (column.kind === "boolean") text = v < 0 ? undefined : v === 1 ? "true" : "false";
        else if (v === v) text = String(v);
      }
      let code: number | undefined = -1;
      if (text !== undefined && text !== "" && !col.markers?.has(text)) {
        code = col.codeOf.get(text);
        if (code === undefined) {
          if (col.closed || col.raw.length >= this.maxLevels) return k;
          code = addLevel(col, text);
          added.push(c, k);
        } else if (i >= 0) memo![i] = code;
      } else if (i >= 0) memo![i] = -1;
      if (code === -1 && !col.nullable) return k;
      dst[k] = code;
    }
    return end;
  }
}

/**
 * A column other than a category's, as kernelRows takes it: numbers (NaN missing; a boolean's
 * missing -1), or a text's index in `texts` (NaN missing). Marks on `slow` the rows whose cell
 * needs parquetCell.
 */
function prepare(
  col: ColumnState,
  column: FlatColumn,
  texts: readonly string[],
  dst: Float64Array,
  slow: Uint8Array,
): void {
  const n = dst.length;
  const { t, nullable, min, max, markers, markerValues } = col;
  const { kind, num, index } = column;
  if (num !== undefined && kind !== "boolean" && (t === T_NUMBER || t === T_INTEGER || t === T_DATE)) {
    // In place where the column was decoded into the block: a marker's value becomes NaN,
    // which parquetCell reads as missing, as it reads the marker's value.
    if (num !== dst) dst.set(num);
    if (markerValues === undefined && t !== T_INTEGER) {
      for (let r = 0; r < n; r++) {
        const v = dst[r]!;
        if (v !== v ? !nullable : !(v >= min && v <= max && v - v === 0)) slow[r] = 1;
      }
      return;
    }
    for (let r = 0; r < n; r++) {
      const v = dst[r]!;
      if (v !== v || (markerValues !== undefined && markerValues.has(v))) {
        dst[r] = NaN;
        if (!nullable) slow[r] = 1;
      } else if (!(v >= min && v <= max && v - v === 0 && (t !== T_INTEGER || Number.isSafeInteger(v))))
        slow[r] = 1;
    }
  } else if (num !== undefined && kind === "boolean" && t === T_BOOLEAN) {
    if (num !== dst) dst.set(num);
    for (let r = 0; r < n; r++) {
      const v = dst[r]!;
      if (v < 0 ? !nullable : !(v >= min && v <= max)) slow[r] = 1;
    }
  } else if (index !== undefined && t === T_STRING) {
    for (let r = 0; r < n; r++) {
      const i = index[r]!;
      const text = i < 0 ? "" : texts[i]!;
      if (text === "" || (markers !== undefined && markers.has(text))) {
        dst[r] = NaN;
        if (!nullable) slow[r] = 1;
      } else dst[r] = i;
    }
  } else {
    // A date written as text, and any pairing the schema check lets through that has no fast read.
    slow.fill(1);
  }
}
