/**
 * The Parquet read: the file's schema checked against the data spec (names, with did-you-mean,
 * and types), then each row group read column by column (hyparquet, pure JavaScript, with the
 * snappy, gzip, zstd, brotli and lz4 codecs of hyparquet-compressors) and handed to the batch
 * builder cell by cell, so every check of the spec (nullable, min/max, allowed values) applies as
 * for CSV. A row is the 1-based row of the file; Parquet has no lines, so problems name the row.
 */
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type FileMetaData,
  type SchemaElement,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../errors.js";
import { closest } from "../project/did-you-mean.js";
import type { ColumnType } from "../project/schemas.js";
import type { BatchBuilder, BuiltBatch } from "./build-batch.js";
import { FlatReader, flatPlans, type FlatColumnPlan } from "./parquet-flat.js";
import { FlatRows, parquetCell } from "./parquet-rows.js";
import { hashFile } from "./pinned-file.js";
import { unknownColumnProblem, unreadableDataFile, type SourceOwner } from "./record-source.js";

/** The file's type names each spec type accepts (see {@link parquetTypeName}). */
const ACCEPTS: Record<ColumnType, readonly string[]> = {
  number: ["DOUBLE", "FLOAT", "INT32", "INT64", "DECIMAL", "FLOAT16"],
  integer: ["INT32", "INT64"],
  boolean: ["BOOLEAN"],
  date: ["DATE", "TIMESTAMP", "INT96", "STRING"],
  category: ["STRING", "ENUM", "INT32", "INT64", "BOOLEAN"],
  string: ["STRING", "ENUM", "JSON", "UUID"],
};

/** The spec type to suggest for a file type that the spec's type does not accept. */
export function suggestType(file: string): ColumnType | undefined {
  if (file === "DOUBLE" || file === "FLOAT" || file === "DECIMAL" || file === "FLOAT16") return "number";
  if (file === "INT32" || file === "INT64") return "integer";
  if (file === "BOOLEAN") return "boolean";
  if (file === "DATE" || file === "TIMESTAMP" || file === "INT96") return "date";
  if (file === "STRING" || file === "ENUM") return "category";
  return undefined;
}

/**
 * A Parquet column's type as problems name it: its logical type where it has one that changes
 * the meaning of the values (STRING, DATE, TIMESTAMP, DECIMAL, ...), else its physical type;
 * a group (nested) column is `GROUP`.
 */
export function parquetTypeName(e: SchemaElement): string {
  if (e.num_children !== undefined && e.num_children > 0) return "GROUP";
  const logical = e.logical_type?.type;
  if (logical !== undefined && logical !== "INTEGER") return logical;
  switch (e.converted_type) {
    case "UTF8":
      return "STRING";
    case "ENUM":
    case "JSON":
    case "DATE":
    case "DECIMAL":
      return e.converted_type;
    case "TIMESTAMP_MILLIS":
    case "TIMESTAMP_MICROS":
      return "TIMESTAMP";
    default:
      break;
  }
  // hyparquet reads an unannotated byte array as UTF-8 text, as pandas and Spark mean it.
  if (e.type === "BYTE_ARRAY") return "STRING";
  return e.type ?? "GROUP";
}

/** The reading of one Parquet file into batches. */
export class ParquetSource {
  /** The file's size in bytes, once read. */
  bytes = 0;
  /** sha256 of the file's bytes (hex), after a complete read with `hash`. */
  sha256 = "";
  /** Whether the read stopped early (a schema that does not match, too many problems). */
  stopped = false;

  constructor(
    private readonly owner: SourceOwner & { readonly file: string },
    private readonly path: string,
    private readonly builder: BatchBuilder,
    private readonly hash: boolean,
  ) {}

  /** The batches of the file, in row order. */
  async *batches(): AsyncGenerator<BuiltBatch, void, undefined> {
    const { file, metadata } = await this.open();
    // Hashed while the rows are decoded: the reads of the file interleave with the decoding.
    const hashing = this.hash ? hashFile(this.path).then((h) => h.sha256) : undefined;
    // Awaited on every way out, so that no read of the file outlives this one.
    hashing?.catch(() => undefined);
    this.bytes = file.byteLength;
    const columns = this.matchSchema(metadata);
    if (columns === undefined) {
      this.stopped = true;
      return;
    }
    const names = this.owner.spec.columns.map((c) => c.name);
    // A category's numbers are kept apart from the block its codes are written to.
    const inBlock = this.owner.spec.columns.map((c) => c.type !== "category");
    const plans = this.owner.limits.parquetFlat
      ? flatPlans(parquetSchema(metadata), names, inBlock)
      : undefined;
    const stopped =
      plans === undefined
        ? yield* this.genericRows(file, metadata, names)
        : yield* this.flatRows(metadata, plans);
    if (stopped) {
      this.stopped = true;
      return;
    }
    if (this.builder.n > 0) yield this.builder.take();
    if (hashing !== undefined) this.sha256 = await hashing;
  }

  /**
   * The rows of a file whose columns are all flat (parquet-flat.ts), each row group decoded into
   * typed arrays and given to the builder a run of rows at a time. Returns true when stopped.
   */
  private async *flatRows(
    metadata: FileMetaData,
    plans: FlatColumnPlan[],
  ): AsyncGenerator<BuiltBatch, boolean, undefined> {
    const reader = await FlatReader.open(this.path);
    try {
      const rows = new FlatRows(this.builder, this.owner.problems, this.owner.limits.maxLevels);
      let start = 0;
      for (let g = 0; g < metadata.row_groups.length; g++) {
        const n = Number(metadata.row_groups[g]!.num_rows);
        if (n === 0) continue;
        const group = await reader.readGroup(metadata, g, plans);
        if (yield* rows.rows(group, n, start + 1)) return true;
        start += n;
      }
      return false;
    } finally {
      await reader.close();
    }
  }

  /**
   * The rows of any file hyparquet reads, through its generic read (nested values assembled,
   * every column a JavaScript array), a cell at a time. Returns true when stopped.
   */
  private async *genericRows(
    file: Awaited<ReturnType<typeof asyncBufferFromFile>>,
    metadata: FileMetaData,
    names: string[],
  ): AsyncGenerator<BuiltBatch, boolean, undefined> {
    const builder = this.builder;
    const problems = this.owner.problems;
    const types = this.owner.spec.columns.map((c) => c.type);
    let start = 0;
    for (const group of metadata.row_groups) {
      const n = Number(group.num_rows);
      if (n === 0) continue;
      const data: ArrayLike<unknown>[] = names.map(() => []);
      await parquetRead({
        file,
        metadata,
        compressors,
        columns: names,
        rowStart: start,
        rowEnd: start + n,
        onChunk: (chunk) => {
          const c = names.indexOf(chunk.columnName);
          if (c < 0) return;
          const values = chunk.columnData;
          // A column's chunk is usually its whole row group: kept as it is, not copied.
          if (chunk.rowStart === start && values.length === n) {
            data[c] = values;
            return;
          }
          let target = data[c] as unknown[];
          if (target.length !== n) data[c] = target = new Array<unknown>(n);
          const at = chunk.rowStart - start;
          for (let r = 0; r < values.length; r++) target[at + r] = values[r];
        },
      });
      for (let r = 0; r < n; r++) {
        const row = start + r + 1;
        builder.begin(row, 0);
        for (let c = 0; c < names.length; c++) parquetCell(builder, c, types[c]!, data[c]![r]);
        builder.end();
        if (builder.full) yield builder.take();
        if (problems.full) {
          problems.stop({ row });
          return true;
        }
      }
      start += n;
    }
    return false;
  }

  private async open(): Promise<{
    file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
    metadata: FileMetaData;
  }> {
    let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
    try {
      file = await asyncBufferFromFile(this.path);
    } catch (error) {
      throw unreadableDataFile(this.owner.file, error);
    }
    try {
      return { file, metadata: await parquetMetadataAsync(file) };
    } catch (error) {
      throw new InputError({
        file: this.owner.file,
        message: `the data file is not a Parquet file (${(error as Error).message})`,
        hint: "a Parquet file ends with the bytes PAR1; set `format` in the data spec if the extension misleads",
      });
    }
  }

  /**
   * Checks the file's top-level columns against the spec: each spec column must be in the file
   * with a type its spec type accepts, and each file column in the spec. Returns undefined (the
   * problems collected) when they do not match.
   */
  private matchSchema(metadata: FileMetaData): SchemaElement[] | undefined {
    const problems = this.owner.problems;
    const fileColumns = parquetSchema(metadata).children.map((c) => c.element);
    const fileNames = fileColumns.map((e) => e.name);
    const specNames = this.owner.spec.columns.map((c) => c.name);
    const unknown = fileNames.filter((n) => !specNames.includes(n));
    const absent = specNames.filter((n) => !fileNames.includes(n));
    let bad = false;
    for (const name of unknown) {
      unknownColumnProblem(this.owner, name, absent);
      bad = true;
    }
    for (const name of absent) {
      const near = closest(name, unknown);
      problems.add("header", "", {
        field: name,
        message: `column "${name}" is in the data spec but not in the file's schema`,
        hint:
          near !== undefined
            ? `did you mean "${near}"? The file has a column "${near}"`
            : `the file's columns are ${fileNames.map((n) => JSON.stringify(n)).join(", ")}`,
      });
      bad = true;
    }
    const matched: SchemaElement[] = [];
    for (const spec of this.owner.spec.columns) {
      const element = fileColumns.find((e) => e.name === spec.name);
      if (element === undefined) continue;
      matched.push(element);
      const type = parquetTypeName(element);
      if (ACCEPTS[spec.type].includes(type)) continue;
      const suggestion = suggestType(type);
      problems.add("schema", "", {
        field: spec.name,
        message: `the file's schema has it as ${type}, but the data spec says \`type: ${spec.type}\``,
        hint:
          suggestion !== undefined
            ? `set \`type: ${suggestion}\` for it in the data spec, or write the column as ${ACCEPTS[spec.type].join(" or ")}`
            : `write the column as ${ACCEPTS[spec.type].join(" or ")}; ${type} columns cannot be read`,
      });
      bad = true;
    }
    return bad ? undefined : matched;
  }
}
