/**
 * One measured task of the data-formats section of the bench (formats-bench.ts), in its own
 * process so that its peak memory is its own; the result goes as JSON to file descriptor 3:
 *
 *   node build/bench/formats-bench-child.js <task> <data file>
 *
 * Tasks: `duckdb` (DuckDB's read_csv or read_parquet of the file, by its extension, every
 * chunk's columns taken into JavaScript: doubles as the Float64Array DuckDB fills, text as
 * strings; DuckDB's ingest alone, on 2 threads), `duckdb-dialect` (the same read_csv of the
 * bench's dialect file, ", " after every comma and `?` for a missing value, with `?` and ` ?`
 * as its null strings: DuckDB's numbers read past a leading space, so that is modelgate's
 * `trim` and `missing: ["?"]`) and `hyparquet` (the library under modelgate's Parquet reader,
 * each row group's columns read through its generic read, without modelgate's checks).
 */
import { writeSync } from "node:fs";
import path from "node:path";

/**
 * Rows, and a sum over every value (a category's running code), so that every value read is
 * touched. The check it prints is the sum of the target `y`, which has no missing values: in a
 * column with NULLs, DuckDB's Float64Array holds unspecified doubles at the NULL rows, so a sum of
 * everything is not comparable from run to run.
 */
class Consumer {
  rows = 0;
  sum = 0;
  target = 0;
  private readonly codes = new Map<string, Map<unknown, number>>();
  column(name: string, data: ArrayLike<unknown>, n: number): void {
    if (data instanceof Float64Array) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += data[i]!;
      this.sum += sum;
      if (name === "y") this.target += sum;
      return;
    }
    let map = this.codes.get(name);
    if (map === undefined) this.codes.set(name, (map = new Map()));
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (typeof v === "number") {
        this.sum += v;
        if (name === "y") this.target += v;
        continue;
      }
      let code = map.get(v);
      if (code === undefined) map.set(v, (code = map.size));
      this.sum += code;
    }
  }
  check(): string {
    return `${this.rows} rows, sum of y ${this.target.toPrecision(8)}`;
  }
}

async function runTask(task: string, file: string): Promise<string> {
  const out = new Consumer();
  if (task === "duckdb" || task === "duckdb-dialect") {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:", { threads: "2" });
    const connection = await db.connect();
    const quoted = file.replaceAll("'", "''");
    const read = file.endsWith(".parquet")
      ? `read_parquet('${quoted}')`
      : task === "duckdb-dialect"
        ? `read_csv('${quoted}', header = true, nullstr = ['?', ' ?'])`
        : `read_csv('${quoted}', header = true)`;
    const result = await connection.stream(`SELECT * FROM ${read}`);
    const names = result.columnNames();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      for (let c = 0; c < chunk.columnCount; c++) {
        const vector = chunk.getColumnVector(c) as unknown as { items?: unknown };
        const data = vector.items instanceof Float64Array ? vector.items : chunk.getColumnValues(c);
        out.column(names[c]!, data as ArrayLike<unknown>, chunk.rowCount);
      }
      out.rows += chunk.rowCount;
    }
    connection.closeSync();
    return out.check();
  }
  if (task === "hyparquet") {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = await import("hyparquet");
    const { compressors } = await import("hyparquet-compressors");
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    let start = 0;
    for (const group of metadata.row_groups) {
      const n = Number(group.num_rows);
      await parquetRead({
        file: buffer,
        metadata,
        compressors,
        rowStart: start,
        rowEnd: start + n,
        onChunk: (c) => out.column(c.columnName, c.columnData, c.rowEnd - c.rowStart),
      });
      start += n;
      out.rows += n;
    }
    return out.check();
  }
  throw new Error(`unknown formats bench task ${task}`);
}

const [task, file] = process.argv.slice(2);
if (task === undefined || file === undefined)
  throw new Error("usage: formats-bench-child <task> <data file>");
const check = await runTask(task, path.resolve(file));
const usage = process.resourceUsage();
writeSync(
  3,
  JSON.stringify({
    check,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    maxRssMb: usage.maxRSS / 1024,
  }),
);
