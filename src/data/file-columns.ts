/**
 * The column names of a data file read without a data spec: a CSV file's header row, every
 * key of a JSON or JSON Lines file's records, or a Parquet file's top-level columns (from its
 * footer, with the spec type each one's file type reads as). Used where the columns' types come from elsewhere
 * (a model file knows its features); the full read that follows checks every value.
 */
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { InputError } from "../errors.js";
import {
  CsvRecord,
  NEED_MORE as CSV_NEED_MORE,
  RECORD,
  tokenizeCsvRecord,
  unescapeQuotes,
} from "./csv-tokenizer.js";
import type { ColumnType } from "../project/schemas.js";
import { NEED_MORE, findValueEnd, isSpace } from "./json-records.js";
import { formatOfExtension, type DataFormat } from "./data-format.js";

/** What {@link readFileColumns} found. */
export interface FileColumns {
  format: DataFormat;
  /** CSV: the field delimiter. */
  delimiter: string;
  /** The names in file order (CSV, Parquet) or in the order the keys first appear (JSON). */
  names: string[];
  /**
   * Parquet: for each name, the spec type its file type reads as (undefined for a nested
   * column, which no spec type reads).
   */
  types?: (ColumnType | undefined)[];
}

/** Options of {@link readFileColumns}. */
export interface FileColumnsOptions {
  /** How errors name the file. */
  file: string;
  /** Default: from the file's extension. */
  format?: DataFormat;
  /** CSV: default a tab for .tsv files, else a comma. */
  delimiter?: string;
  /** Most distinct keys a JSON file may have. Default 10,000. */
  maxColumns?: number;
}

/** Longest header row read, in bytes. */
const MAX_HEADER_BYTES = 8 << 20;

/**
 * Reads the column names of a data file: the header row of a CSV file (which must have one), or
 * the keys of every record of a JSON array or JSON Lines file (the whole file is scanned, records
 * are not typed). A JSON file that is not valid stops the scan at its first bad record; the read
 * that follows reports it with its line.
 *
 * @throws InputError when the format cannot be told, the file cannot be read, a CSV file has no
 *   header row, or a JSON file has more keys than `maxColumns`.
 */
export async function readFileColumns(path: string, options: FileColumnsOptions): Promise<FileColumns> {
  const format =
    options.format ??
    formatOfExtension(
      path,
      options.file,
      "name the file .csv, .json, .jsonl or .parquet, or pass --spec with a data spec that sets `format`",
    );
  const delimiter = options.delimiter ?? (extname(path).toLowerCase() === ".tsv" ? "\t" : ",");
  try {
    if (format === "parquet") return { format, delimiter, ...(await parquetColumns(path, options.file)) };
    const names =
      format === "csv"
        ? await csvHeader(path, delimiter, options.file)
        : await jsonKeys(path, options.maxColumns ?? 10_000, options.file);
    return { format, delimiter, names };
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as { code?: string }).code;
    throw new InputError({
      file: options.file,
      message:
        code === "ENOENT"
          ? "the data file does not exist"
          : code === "EISDIR"
            ? "this is a folder, not a data file"
            : `the data file cannot be read: ${(e as Error).message}`,
      hint: "check the path",
    });
  }
}

/** A Parquet file's top-level columns, from its footer alone. */
async function parquetColumns(path: string, file: string): Promise<Pick<FileColumns, "names" | "types">> {
  // Loaded only for Parquet: its codecs need WebAssembly, which a CSV read never does.
  const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await import("hyparquet");
  const { parquetTypeName, suggestType } = await import("./parquet-source.js");
  const buffer = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new InputError({
      file,
      message: `this is not a Parquet file that can be read: ${(e as Error).message}`,
      hint: "check that the file is Parquet (it ends with the bytes PAR1), or name its format with --spec",
    });
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element);
  return {
    names: columns.map((e) => e.name),
    types: columns.map((e) => suggestType(parquetTypeName(e))),
  };
}

async function csvHeader(path: string, delimiter: string, file: string): Promise<string[]> {
  const parts: Buffer[] = [];
  let size = 0;
  const rec = new CsvRecord();
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  let eof = true;
  let status = CSV_NEED_MORE;
  let buf = Buffer.alloc(0);
  let start = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    buf = Buffer.concat(parts, size);
    start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    status = tokenizeCsvRecord(buf, start, buf.length, false, delimiter.charCodeAt(0), rec);
    if (status !== CSV_NEED_MORE) {
      eof = false;
      break;
    }
    if (size > MAX_HEADER_BYTES) {
      stream.destroy();
      throw new InputError({
        file,
        line: 1,
        message: `the header row is longer than ${MAX_HEADER_BYTES} bytes`,
        hint: "is this a CSV file with a header row?",
      });
    }
  }
  stream.destroy();
  if (eof)
    status =
      buf.length > start ? tokenizeCsvRecord(buf, start, buf.length, true, delimiter.charCodeAt(0), rec) : -1;
  if (status !== RECORD || rec.count === 0 || (rec.count === 1 && rec.starts[0] === rec.ends[0]))
    throw new InputError({
      file,
      line: 1,
      message: "the file has no header row naming its columns",
      hint: "without --spec, a CSV file needs a header row; or pass --spec with a data spec that names the columns",
    });
  const names: string[] = [];
  for (let f = 0; f < rec.count; f++) {
    const text = buf.toString("utf8", rec.starts[f]!, rec.ends[f]!);
    names.push(rec.flags[f] === 2 ? unescapeQuotes(text) : text);
  }
  return names;
}

async function jsonKeys(path: string, maxColumns: number, file: string): Promise<string[]> {
  const keys = new Set<string>();
  let rest: Buffer = Buffer.alloc(0);
  let stop = false;
  let first = true;
  const scan = (buf: Buffer, eof: boolean): number => {
    let pos = 0;
    if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    first = false;
    while (!stop) {
      while (
        pos < buf.length &&
        (isSpace(buf[pos]!) || buf[pos] === 0x5b || buf[pos] === 0x2c || buf[pos] === 0x5d)
      )
        pos++;
      if (pos >= buf.length) return pos;
      if (buf[pos] !== 0x7b) {
        stop = true;
        return pos;
      }
      const end = findValueEnd(buf, pos, buf.length, eof);
      if (end === NEED_MORE) return pos;
      if (end < 0) {
        stop = true;
        return pos;
      }
      let record: unknown;
      try {
        record = JSON.parse(buf.toString("utf8", pos, end));
      } catch {
        stop = true;
        return pos;
      }
      if (record && typeof record === "object" && !Array.isArray(record))
        for (const key of Object.keys(record)) {
          keys.add(key);
          if (keys.size > maxColumns)
            throw new InputError({
              file,
              message: `the records have more than ${maxColumns} distinct keys`,
              hint: "each key is a column; is this a table of records?",
            });
        }
      pos = end;
    }
    return pos;
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    rest = buf.subarray(scan(buf, false));
    if (stop) break;
  }
  stream.destroy();
  if (!stop && rest.length > 0) scan(rest, true);
  return [...keys];
}
