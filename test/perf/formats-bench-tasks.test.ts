/**
 * The data-formats bench's baselines read what they say: DuckDB's read_csv and read_parquet and
 * hyparquet's read of the same rows, with missing values, report the same rows and the same sum
 * of the target as the rows themselves. Asserts results, never time. Needs `npm run build` (it
 * runs the compiled bench child).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "modelgate-formats-bench-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(task: string, file: string): string {
  const child = spawnSync(
    process.execPath,
    [path.join(root, "build/bench/formats-bench-child.js"), task, file],
    {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      encoding: "utf8",
    },
  );
  expect(child.status, child.stderr).toBe(0);
  return (JSON.parse(String(child.output[3])) as { check: string }).check;
}

describe("the formats bench's baselines", () => {
  it("read the same rows and target from CSV, the dialect's CSV and Parquet", async () => {
    // 3,000 rows; x1 missing in every seventh, as `?` in the dialect's file and empty in the other.
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      x1: i % 7 === 0 ? null : i / 8,
      y: (i % 101) - 50.25,
    }));
    const target = rows.reduce((s, r) => s + r.y, 0);
    const csv = path.join(dir, "rows.csv");
    const dialect = path.join(dir, "dialect.csv");
    writeFileSync(csv, ["x1,y", ...rows.map((r) => `${r.x1 ?? ""},${r.y}`)].join("\n") + "\n");
    writeFileSync(dialect, ["x1, y", ...rows.map((r) => `${r.x1 ?? "?"}, ${r.y}`)].join("\n") + "\n");
    const parquet = path.join(dir, "rows.parquet");
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    await connection.run(
      `COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${parquet}' (FORMAT parquet)`,
    );
    const expected = `3000 rows, sum of y ${target.toPrecision(8)}`;
    expect(check("duckdb", csv)).toBe(expected);
    expect(check("duckdb-dialect", dialect)).toBe(expected);
    expect(check("duckdb", parquet)).toBe(expected);
    expect(check("hyparquet", parquet)).toBe(expected);
  }, 60_000);
});
