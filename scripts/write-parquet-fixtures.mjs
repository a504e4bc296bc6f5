// Writes the Parquet test fixtures in test/fixtures/data/parquet/ with DuckDB (a writer whose
// files pyarrow, pandas and Spark read): the same 120 seeded rows as CSV, JSON Lines and Parquet
// in each compression real writers use, the rows split into two part files, and a file whose
// column types contradict the data spec. Run `node scripts/write-parquet-fixtures.mjs`; the
// output is committed, so the tests need no DuckDB.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/data/parquet");
mkdirSync(path.join(dir, "parts"), { recursive: true });

// A small seeded generator (mulberry32), so the bytes are the same on every run.
let state = 20261205;
function uniform() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const ROWS = 120;
const colors = ["red", "green", "blue"];
const header = ["id", "x", "n", "flag", "color", "note", "day", "y"];
const lines = [header.join(",")];
const records = [];
for (let i = 1; i <= ROWS; i++) {
  const x = Math.round((uniform() * 20 - 10) * 1e6) / 1e6;
  const n = Math.floor(uniform() * 50);
  const flag = uniform() < 0.4;
  const color = colors[Math.floor(uniform() * 3)];
  const note = uniform() < 0.25 ? null : `note ${i}`;
  const day = new Date(Date.UTC(2024, 0, 1 + Math.floor(uniform() * 365))).toISOString().slice(0, 10);
  // A missing x now and then (nullable), the target a function of the features plus noise.
  const xOut = i % 17 === 0 ? null : x;
  const y =
    Math.round(
      (2 + 0.5 * (xOut ?? 0) + 0.1 * n + (flag ? 1.5 : 0) + colors.indexOf(color) * 0.7 + uniform()) * 1e6,
    ) / 1e6;
  records.push({ id: i, x: xOut, n, flag, color, note, day, y });
  lines.push([i, xOut ?? "", n, flag, color, note ?? "", day, y].map(String).join(","));
}
writeFileSync(path.join(dir, "rows.csv"), lines.join("\n") + "\n");
writeFileSync(path.join(dir, "rows.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");

const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
const csv = path.join(dir, "rows.csv").replaceAll("'", "''");
const typed = `SELECT * FROM read_csv('${csv}', header = true, columns = {
  'id': 'BIGINT', 'x': 'DOUBLE', 'n': 'INTEGER', 'flag': 'BOOLEAN', 'color': 'VARCHAR',
  'note': 'VARCHAR', 'day': 'DATE', 'y': 'DOUBLE'})`;
const out = (name) => path.join(dir, name).replaceAll("'", "''");
// Small row groups, so that a file has several and the reader crosses their boundaries.
const options = "FORMAT parquet, ROW_GROUP_SIZE 50";
for (const codec of ["snappy", "zstd", "gzip", "uncompressed"])
  await c.run(`COPY (${typed}) TO '${out(`rows-${codec}.parquet`)}' (${options}, COMPRESSION ${codec})`);
await c.run(
  `COPY (${typed} WHERE id <= 70) TO '${out("parts/part-1.parquet")}' (${options}, COMPRESSION snappy)`,
);
await c.run(
  `COPY (${typed} WHERE id > 70) TO '${out("parts/part-2.parquet")}' (${options}, COMPRESSION snappy)`,
);
// Types that contradict rows.yml: n as text, flag as a number.
await c.run(
  `COPY (SELECT id, x, CAST(n AS VARCHAR) AS n, CAST(flag AS DOUBLE) AS flag, color, note, day, y FROM (${typed})) TO '${out("bad-types.parquet")}' (${options}, COMPRESSION snappy)`,
);
// A column named as in no spec ("colour"), and the spec's "color" absent.
await c.run(
  `COPY (SELECT id, x, n, flag, color AS colour, note, day, y FROM (${typed})) TO '${out("renamed.parquet")}' (${options}, COMPRESSION snappy)`,
);
console.log(`wrote the Parquet fixtures in ${dir}`);
