/** Small helpers of the data-layer tests: specs, temporary files, collecting batches. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import type { DataSpec } from "../../src/project/schemas.js";
import { dataSpecSchema } from "../../src/project/schemas.js";
import type { ReadRowsOptions } from "../../src/data/scan-dataset.js";
import { readRows } from "../../src/data/scan-dataset.js";
import type { RowBatch } from "../../src/data/row-batch.js";

/** A data spec from its input form, with the schema's defaults applied. */
export function dataSpec(input: Record<string, unknown>): DataSpec {
  return dataSpecSchema.parse({ file: "data.csv", ...input });
}

let dir: string | undefined;

/** Writes `content` to a fresh temporary file named `name`; the folder goes after the test file. */
export function tempFile(name: string, content: string | Uint8Array): string {
  if (dir === undefined) {
    dir = mkdtempSync(path.join(tmpdir(), "modelgate-data-"));
    const d = dir;
    afterAll(() => rmSync(d, { recursive: true, force: true }));
  }
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(file, content);
  return file;
}

/** Every row of a file as plain objects (value per column name), with row, line and side. */
export async function readAll(
  spec: DataSpec,
  file: string,
  options: ReadRowsOptions = {},
): Promise<{ row: number; line: number; side: number; values: Record<string, unknown> }[]> {
  const out: { row: number; line: number; side: number; values: Record<string, unknown> }[] = [];
  for await (const batch of readRows(spec, file, options)) out.push(...rowsOf(batch));
  return out;
}

/** The rows of one batch as plain objects. */
export function rowsOf(
  batch: RowBatch,
): { row: number; line: number; side: number; values: Record<string, unknown> }[] {
  const out = [];
  for (let r = 0; r < batch.length; r++) {
    const values: Record<string, unknown> = {};
    for (const col of batch.columns) {
      if (col.kind === "numeric") values[col.name] = Number.isNaN(col.values[r]!) ? null : col.values[r];
      else if (col.kind === "category")
        values[col.name] = col.codes[r]! < 0 ? null : col.levels[col.codes[r]!];
      else values[col.name] = col.values[r];
    }
    out.push({ row: batch.row[r]!, line: batch.line[r]!, side: batch.side[r]!, values });
  }
  return out;
}

/**
 * RFC 4180 as csv-tokenizer.ts states it, for well-formed text (quoted fields, "" for a quote,
 * records ending at LF or CRLF, blank lines skipped): each record's fields and the 1-based line
 * where it starts.
 */
export function referenceRecords(text: string, delim = ","): { fields: string[]; line: number }[] {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && field === "" && !quoted)) records.push({ fields, line: start });
    field = "";
    quoted = false;
    fields = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === "" && !quoted) {
      quoted = true;
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          if (text[i] === "\n") line++;
          field += text[i++];
        }
      }
    } else if (c === delim) {
      fields.push(field);
      field = "";
      quoted = false;
      i++;
    } else if (c === "\r" && text[i + 1] === "\n") {
      endRecord();
      i += 2;
      start = ++line;
    } else if (c === "\n") {
      endRecord();
      i++;
      start = ++line;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || fields.length > 0 || quoted) endRecord();
  return records;
}

/** The message of the InputError a promise rejects with (fails when it resolves). */
export async function inputErrorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if ((error as Error).name === "InputError") return (error as Error).message;
    throw error;
  }
  throw new Error("expected an InputError, but the read succeeded");
}

/** The data spec of the Parquet fixtures' rows (test/fixtures/data/parquet, scripts/write-parquet-fixtures.mjs). */
export const parquetRowsSpec = {
  columns: [
    { name: "id", type: "integer", min: 1 },
    { name: "x", type: "number", nullable: true },
    { name: "n", type: "integer", min: 0, max: 49 },
    { name: "flag", type: "boolean" },
    { name: "color", type: "category", values: ["red", "green", "blue"] },
    { name: "note", type: "string", nullable: true },
    { name: "day", type: "date", min: "2024-01-01" },
    { name: "y", type: "number" },
  ],
};
