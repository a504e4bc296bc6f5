/**
 * The flat-column decoder (parquet-flat.ts, parquet-rows.ts) against hyparquet's generic read
 * (`parquetFlat: false`): the same rows, values, category codes, sides, problems, profile and
 * hash, on the committed fixtures and on a file DuckDB writes here with nulls, NaN, dictionary
 * and plain pages, DELTA and BYTE_STREAM_SPLIT pages (`PARQUET_VERSION v2`), several row groups,
 * and a spec of every pairing, read whole, with problems, and stopped by them; and on a file of
 * many pages per column chunk (parquet-pages.ts), which DuckDB does not write.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from "hyparquet";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BatchBuilder } from "../../src/data/build-batch.js";
import { flatPlans } from "../../src/data/parquet-flat.js";
import type { RowBatch } from "../../src/data/row-batch.js";
import { scanDataset, type ReadRowsOptions } from "../../src/data/scan-dataset.js";
import { dataSpec, parquetRowsSpec, tempFile } from "./data-test-helpers.js";
import { writeParquetPages } from "./parquet-pages.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/data/parquet");

/** Every cell of a batch, a category as its code and level (so the order of levels shows). */
function cellsOf(batch: RowBatch): unknown[] {
  const out: unknown[] = [];
  for (let r = 0; r < batch.length; r++) {
    const row: unknown[] = [batch.row[r], batch.line[r], batch.side[r]];
    for (const col of batch.columns) {
      if (col.kind === "numeric") row.push(Object.is(col.values[r], NaN) ? "NaN" : col.values[r]);
      else if (col.kind === "category") row.push([col.codes[r], col.levels[col.codes[r]!] ?? null]);
      else row.push(col.values[r]);
    }
    out.push(row);
  }
  return out;
}

/** A scan with its batches, or the error it ends in with the batches before it. */
async function outcome(
  spec: ReturnType<typeof dataSpec>,
  file: string,
  options: ReadRowsOptions,
): Promise<unknown> {
  const rows: unknown[] = [];
  try {
    const scan = await scanDataset(spec, file, { ...options, onBatch: (b) => rows.push(...cellsOf(b)) });
    return { scan, rows };
  } catch (error) {
    if ((error as Error).name !== "InputError") throw error;
    return { error: (error as Error).message, rows };
  }
}

/** Both reads of a file agree; returns the flat read's outcome. */
async function compare(spec: ReturnType<typeof dataSpec>, file: string, options: ReadRowsOptions = {}) {
  const flat = await outcome(spec, file, { ...options, worker: false });
  const generic = await outcome(spec, file, { ...options, worker: false, parquetFlat: false });
  expect(flat).toEqual(generic);
  return flat as { scan?: { rows: number }; error?: string; rows: unknown[] };
}

/** Whether the flat decoder reads every column of the file that the spec names. */
async function readsFlat(file: string, names: string[]): Promise<boolean> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  return (
    flatPlans(
      parquetSchema(metadata),
      names,
      names.map(() => true),
    ) !== undefined
  );
}

const ROWS = 25000;
// Every column kind the decoder reads, nulls in most, NaN among the doubles.
const SELECT = `SELECT i AS id,
  CASE WHEN i % 7 = 0 THEN NULL WHEN i % 101 = 0 THEN 'NaN'::DOUBLE ELSE (hash(i) % 1000000) / 1000.0 END AS x,
  CASE WHEN i % 5 = 0 THEN NULL ELSE ((i % 4) * 0.5)::DOUBLE END AS level,
  CASE WHEN i % 9 = 0 THEN NULL WHEN i % 97 = 0 THEN -1 ELSE (i % 50)::INTEGER END AS n,
  ((i % 13)::FLOAT / 4)::FLOAT AS f,
  CASE WHEN i % 11 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
  CASE WHEN i % 6 = 0 THEN NULL ELSE ['red', 'green', 'blue', 'cyan', ''][1 + (i * 7) % 5] END AS color,
  (i % 5)::INTEGER AS grade,
  i % 2 = 0 AS even,
  CASE WHEN i % 4 = 0 THEN NULL WHEN i % 10 = 1 THEN '' WHEN i % 10 = 3 THEN 'NA' ELSE 'nöte ' || i END AS note,
  CASE WHEN i % 8 = 0 THEN NULL ELSE DATE '2024-01-01' + (i % 400)::INTEGER END AS day,
  CASE WHEN i % 10 = 0 THEN NULL ELSE TIMESTAMP '1969-12-25 00:00:00' + to_microseconds(i * 1234567) END AS at,
  strftime(DATE '2023-06-01' + (i % 30)::INTEGER, '%Y-%m-%d') AS written,
  'tag ' || ((i * 37) % 700) AS tag
  FROM range(1, ${ROWS + 1}) t(i)`;

const NAMES = [
  "id",
  "x",
  "level",
  "n",
  "f",
  "flag",
  "color",
  "grade",
  "even",
  "note",
  "day",
  "at",
  "written",
  "tag",
];

/** A generated file, and whether it has the column of dates written as text. */
interface Generated {
  file: string;
  written: boolean;
}

/** A spec of the generated columns, every pairing of file type and spec type the schema allows. */
function generatedSpec({ file, written }: Generated, strict: boolean) {
  const spec = dataSpec({
    file: path.basename(file),
    missing: ["NA"],
    columns: [
      { name: "id", type: "integer", min: 1 },
      { name: "x", type: "number", nullable: !strict },
      { name: "level", type: "number", nullable: true, missing: ["1.5"] },
      { name: "n", type: "integer", nullable: true, ...(strict ? { max: 40 } : {}), missing: ["-1"] },
      { name: "f", type: "number" },
      { name: "flag", type: "boolean", nullable: true },
      {
        name: "color",
        type: "category",
        nullable: true,
        ...(strict ? { values: ["red", "green", "blue"] } : { labels: { red: "Red" } }),
      },
      { name: "grade", type: "category" },
      { name: "even", type: "category" },
      { name: "note", type: "string", nullable: true },
      { name: "day", type: "date", nullable: true, min: "2024-01-01" },
      { name: "at", type: "date", nullable: true },
      { name: "written", type: "date" },
      { name: "tag", type: "category" },
    ],
  });
  // Dates written as text go cell by cell: without them the rows go in runs.
  if (!written) spec.columns = spec.columns.filter((c) => c.name !== "written");
  return spec;
}

let files: Generated[] = [];

beforeAll(async () => {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const quote = (f: string) => f.replaceAll("'", "''");
  const write = async (name: string, select: string, options: string) => {
    const file = tempFile(name, "");
    await connection.run(
      `COPY (${select}) TO '${quote(file)}' (FORMAT parquet, ROW_GROUP_SIZE 10240, ${options})`,
    );
    return file;
  };
  const plain = `SELECT * EXCLUDE (written) FROM (${SELECT})`;
  files = [
    { file: await write("generated-v1.parquet", SELECT, "COMPRESSION snappy"), written: true },
    { file: await write("plain-v1.parquet", plain, "COMPRESSION snappy"), written: false },
    { file: await write("plain-v2.parquet", plain, "COMPRESSION zstd, PARQUET_VERSION v2"), written: false },
  ];
  connection.closeSync();
}, 60_000);

describe("the flat-column Parquet decoder", () => {
  it("reads the committed fixtures as hyparquet's generic read does", async () => {
    const names = [
      ...readdirSync(fixtures).filter((f) => f.endsWith(".parquet")),
      ...readdirSync(path.join(fixtures, "parts")).map((f) => `parts/${f}`),
    ];
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) {
      const file = path.join(fixtures, name);
      const spec = dataSpec({ ...parquetRowsSpec, file: path.basename(name) });
      const flat = await compare(spec, file);
      if (name.startsWith("rows-") || name.startsWith("parts/")) {
        expect(
          await readsFlat(
            file,
            parquetRowsSpec.columns.map((c) => c.name),
          ),
        ).toBe(true);
        expect(flat.scan?.rows, name).toBeGreaterThan(0);
      } else expect(flat.error, name).toBeDefined();
      // Small batches: runs of rows cross the batches' ends.
      await compare(spec, file, { batchSize: 7 });
    }
  });

  it("reads a generated file of every column kind, nulls, dictionaries, v2 encodings and row groups the same", async () => {
    const runs = vi.spyOn(BatchBuilder.prototype, "kernelRows");
    for (const generated of files) {
      const { file, written } = generated;
      expect(await readsFlat(file, written ? NAMES : NAMES.filter((n) => n !== "written"))).toBe(true);
      runs.mockClear();
      const flat = await compare(generatedSpec(generated, false), file, { batchSize: 3000 });
      expect(flat.error, file).toBeUndefined();
      expect(flat.rows).toHaveLength(ROWS);
      // The label applies; "" and the marker NA are missing values.
      expect(JSON.stringify(flat.rows)).toContain('"Red"');
      // Without the dates as text, the flat read gives the rows in runs.
      if (!written) expect(runs.mock.calls.length).toBeGreaterThan(8);
    }
    runs.mockRestore();
  });

  it("reads column chunks of many pages: v1 and v2, RLE and bit-packed levels, a dictionary giving way to PLAIN", async () => {
    const rows = 3277;
    const ids = Array.from({ length: rows }, (_, i) => i + 1);
    const file = tempFile(
      "pages.parquet",
      writeParquetPages(
        [
          {
            name: "x",
            type: "DOUBLE",
            optional: true,
            pageRows: 150,
            v2: (p) => p % 2 === 1,
            values: ids.map((i) => (i % 7 === 0 ? null : i % 50 === 0 ? NaN : i / 8)),
          },
          {
            name: "s",
            type: "BYTE_ARRAY",
            optional: true,
            pageRows: 97,
            dictionaryPages: 4,
            v2: (p) => p % 3 === 2,
            // Nulls only from row 200 on: the first pages' levels are one RLE run.
            values: ids.map((i) => (i > 200 && i % 5 === 0 ? null : ["a", "bb", "ccc", "é"][(i * 3) % 4]!)),
          },
          { name: "k", type: "INT32", optional: false, pageRows: 301, values: ids.map((i) => (i % 61) - 30) },
          {
            name: "t",
            type: "BYTE_ARRAY",
            optional: false,
            pageRows: 64,
            v2: () => true,
            values: ids.map((i) => `text ${i}`),
          },
        ],
        [1000, 777, 1500],
      ),
    );
    expect(await readsFlat(file, ["x", "s", "k", "t"])).toBe(true);
    const spec = dataSpec({
      file: "pages.parquet",
      columns: [
        { name: "x", type: "number", nullable: true },
        { name: "s", type: "category", nullable: true },
        { name: "k", type: "integer" },
        { name: "t", type: "string" },
      ],
    });
    const flat = await compare(spec, file, { batchSize: 250 });
    expect(flat.error).toBeUndefined();
    expect(flat.rows).toHaveLength(rows);
    expect(flat.rows[rows - 1]).toEqual([rows, 0, expect.any(Number), rows / 8, [0, "é"], 14, "text 3277"]);
  });

  it("gives the same problems, and stops at the same row, when the values break the spec", async () => {
    for (const generated of files) {
      const { file } = generated;
      const strict = generatedSpec(generated, true);
      const all = await compare(strict, file, { maxProblems: 100_000 });
      expect(all.error).toMatch(/missing value/);
      expect(all.error).toMatch(/not one of the allowed values/);
      expect(all.error).toMatch(/above the maximum 40/);
      const stopped = await compare(strict, file, { maxProblems: 40, batchSize: 500 });
      expect(stopped.error).toMatch(/stopped reading after \d+ problems/);
      // Too many levels: the rows past the limit are problems, the levels before it kept in order.
      const levels = await compare(generatedSpec(generated, false), file, {
        maxLevels: 300,
        maxProblems: 100_000,
      });
      expect(levels.error).toMatch(/distinct/);
    }
  });
});
