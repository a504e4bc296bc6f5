/**
 * Parquet data (test/fixtures/data/parquet/, written by scripts/write-parquet-fixtures.mjs with
 * DuckDB): each compression reads with the data spec alone to the rows of the same data as CSV;
 * types, names and values that contradict the spec fail with exit 2 at the schema field or row.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { InputError } from "../../src/errors.js";
import { dataSpec, parquetRowsSpec, readAll } from "./data-test-helpers.js";
import { readWorkerScript } from "./worker-script.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/data/parquet");
const fixture = (name: string) => path.join(fixtures, name);

async function problemsOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).problems;
}

describe("Parquet data", () => {
  it("reads snappy, zstd, gzip and uncompressed files to the rows the same data has as CSV", async () => {
    const csv = await readAll(dataSpec({ ...parquetRowsSpec, file: "rows.csv" }), fixture("rows.csv"));
    expect(csv).toHaveLength(120);
    for (const codec of ["snappy", "zstd", "gzip", "uncompressed"]) {
      // The format comes from the extension: the spec names none.
      const rows = await readAll(
        dataSpec({ ...parquetRowsSpec, file: `rows-${codec}.parquet` }),
        fixture(`rows-${codec}.parquet`),
      );
      expect(
        rows.map((r) => r.values),
        codec,
      ).toEqual(csv.map((r) => r.values));
      expect(
        rows.map((r) => r.side),
        codec,
      ).toEqual(csv.map((r) => r.side));
      expect(rows.map((r) => r.row)).toEqual(csv.map((r) => r.row));
    }
    // Nulls are missing values; dates are milliseconds since 1970 at UTC midnight.
    expect(csv.filter((r) => r.values.note === null).length).toBeGreaterThan(10);
    expect(csv[16]!.values.x).toBeNull();
    expect(csv[0]!.values.day).toBe(Date.UTC(2024, 10, 7));
  });

  it("scans a Parquet file: the sha256 of its bytes, its rows, its format", async () => {
    const file = fixture("rows-zstd.parquet");
    const scan = await scanDataset(dataSpec({ ...parquetRowsSpec, file: "rows-zstd.parquet" }), file);
    expect(scan.format).toBe("parquet");
    expect(scan.rows).toBe(120);
    expect(scan.train + scan.test).toBe(120);
    expect(scan.bytes).toBe(readFileSync(file).length);
    expect(scan.sha256).toBe(createHash("sha256").update(readFileSync(file)).digest("hex"));
    expect(scan.missing.x).toBe(7);
  });

  it(
    "reads the same rows, hash and profile in a worker thread, whichever thread profiles",
    { timeout: 60_000 },
    async () => {
      const spec = dataSpec({ ...parquetRowsSpec, file: "rows-gzip.parquet" });
      const file = fixture("rows-gzip.parquet");
      const workerScript = await readWorkerScript();
      const here = await scanDataset(spec, file, { worker: false, batchSize: 32 });
      const there = await scanDataset(spec, file, { worker: true, workerScript, batchSize: 32 });
      expect(there).toEqual(here);
      // With work of its own for each batch (a fit), the caller leaves the profile to the worker.
      let rows = 0;
      const profiledThere = await scanDataset(spec, file, {
        worker: true,
        workerScript,
        batchSize: 32,
        onBatch: (batch) => (rows += batch.length),
      });
      expect(profiledThere).toEqual(here);
      expect(rows).toBe(here.rows);
      expect(await readAll(spec, file, { worker: true, workerScript })).toEqual(await readAll(spec, file));
    },
  );

  it("refuses columns whose type in the file contradicts the spec, naming the column and both types", async () => {
    const problems = await problemsOf(
      scanDataset(dataSpec({ ...parquetRowsSpec, file: "bad-types.parquet" }), fixture("bad-types.parquet"), {
        file: "bad-types.parquet",
      }),
    );
    expect(problems.map((p) => [p.file, p.field, p.row])).toEqual([
      ["bad-types.parquet", "n", undefined],
      ["bad-types.parquet", "flag", undefined],
    ]);
    expect(problems[0]!.message).toBe(
      "the file's schema has it as STRING, but the data spec says `type: integer`",
    );
    expect(problems[0]!.hint).toContain("set `type: category`");
    expect(problems[1]!.message).toContain(
      "the file's schema has it as DOUBLE, but the data spec says `type: boolean`",
    );
  });

  it("names columns missing from the file or from the spec, with a did-you-mean", async () => {
    const problems = await problemsOf(
      scanDataset(dataSpec({ ...parquetRowsSpec, file: "renamed.parquet" }), fixture("renamed.parquet")),
    );
    expect(problems.map((p) => [p.field, p.message, p.hint])).toEqual([
      [
        "colour",
        'column "colour" is in the file but not in the data spec',
        expect.stringContaining('did you mean "color"?'),
      ],
      [
        "color",
        `column "color" is in the data spec but not in the file's schema`,
        expect.stringContaining('did you mean "colour"?'),
      ],
    ]);
  });

  it("applies every check of the spec to the values, pointing at the row and column", async () => {
    const spec = dataSpec({
      ...parquetRowsSpec,
      file: "rows-snappy.parquet",
      columns: parquetRowsSpec.columns.map((c) =>
        c.name === "x"
          ? { ...c, nullable: false }
          : c.name === "n"
            ? { ...c, max: 40 }
            : c.name === "color"
              ? { ...c, values: ["red", "green"] }
              : c,
      ),
    });
    const csv = await problemsOf(scanDataset({ ...spec, file: "rows.csv" }, fixture("rows.csv")));
    const problems = await problemsOf(
      scanDataset(spec, fixture("rows-snappy.parquet"), { file: "rows-snappy.parquet" }),
    );
    // The same problems at the same rows as the CSV file has; no line, which Parquet has not.
    expect(problems.map((p) => [p.field, p.row, p.message])).toEqual(
      csv.map((p) => [p.field, p.row, p.message]),
    );
    expect(problems.every((p) => p.line === undefined && p.file === "rows-snappy.parquet")).toBe(true);
    expect(new Set(problems.map((p) => p.field))).toEqual(new Set(["x", "n", "color"]));
  });

  it("says so when a file read as Parquet (`format: parquet`) is not Parquet", async () => {
    const problems = await problemsOf(
      scanDataset(
        dataSpec({ ...parquetRowsSpec, file: "rows.csv", format: "parquet" }),
        fixture("rows.csv"),
        {
          file: "rows.csv",
        },
      ),
    );
    expect(problems[0]!.message).toMatch(/^the data file is not a Parquet file/);
  });

  it("says the file does not exist as a CSV read does", async () => {
    const problems = await problemsOf(
      scanDataset(dataSpec({ ...parquetRowsSpec, file: "gone.parquet" }), fixture("gone.parquet"), {
        file: "data/gone.parquet",
      }),
    );
    expect(problems).toEqual([
      {
        file: "data/gone.parquet",
        message: "the data file does not exist",
        hint: "the data spec's `file` is relative to the data spec",
      },
    ]);
  });
});
