/**
 * The format of a data file: CSV, a JSON array of records, JSON Lines or Parquet, from the data spec's
 * `format` or the file's extension.
 */
import { extname } from "node:path";
import { InputError } from "../errors.js";
import type { DataSpec } from "../project/schemas.js";

export type DataFormat = "csv" | "json" | "jsonl" | "parquet";

/**
 * The format of a data file: Parquet when its name says so (`.parquet`, `.pq`), whatever the
 * spec's `format`, which describes the text file the spec was written for (new rows to monitor or
 * score often come as Parquet, and a Parquet file is never text); else the spec's `format`, else
 * from the file's extension (a `.json` file may hold JSON Lines: `format` decides).
 */
export function dataFormat(spec: DataSpec, path: string, file = path): DataFormat {
  if (isParquetName(path)) return "parquet";
  return (
    spec.format ??
    formatOfExtension(
      path,
      file,
      "name the file .csv, .json, .jsonl or .parquet, or set `format: csv | json | jsonl | parquet` in the data spec",
    )
  );
}

/**
 * The format a data file's extension names.
 *
 * @param file how the error names the file.
 * @param hint what the user can do when the extension names no format.
 * @throws InputError when the extension names no format.
 */
export function formatOfExtension(path: string, file: string, hint: string): DataFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return "csv";
  if (ext === ".json") return "json";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (isParquetName(path)) return "parquet";
  throw new InputError({
    file,
    message: `cannot tell the format of the data from the extension "${ext}"`,
    hint,
  });
}

function isParquetName(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === ".parquet" || ext === ".pq";
}
