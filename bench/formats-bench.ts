/**
 * The data-formats section of `npm run bench` (`--tasks formats`): the same 1,000,000 rows × 20
 * features (2 of them categories) + target as CSV and as Parquet (snappy, written by DuckDB),
 * through modelgate's whole `run` and its ingest alone, against DuckDB's read_csv/read_parquet
 * of the same files into JavaScript (its ingest alone), and hyparquet's bare read (the library
 * under modelgate's Parquet reader). Beside them the CSV dialect case (dialect-data.ts: ", "
 * after every comma, `?` for missing values, read with `trim` and `missing: ["?"]`) through
 * `modelgate run`, against DuckDB's read_csv of the same file with those markers as its nulls.
 * Each task is one child process, so peak memory is its own.
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "markdown-table";
import { benchProject, type BenchProject } from "./bench-data.js";
import { dialectBenchProject } from "./dialect-data.js";

const here = path.dirname(fileURLToPath(import.meta.url));

interface Measured {
  label: string;
  wallSeconds: number;
  maxRssMb: number;
  check: string;
  failed?: string;
}

/** Category columns among the 20 features: "numbers and a few categories". */
const CATEGORIES = 2;

function measure(label: string, script: string, args: string[]): Promise<Measured> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(here, script), ...args], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let report = "";
  let stderr = "";
  child.stdio[3]!.on("data", (d: Buffer) => (report += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const r = JSON.parse(report) as { check: string; maxRssMb: number };
        resolve({ label, wallSeconds, ...r, ...(code === 0 ? {} : { failed: `exit code ${code}` }) });
      } catch {
        const why = stderr.trim().split("\n").slice(-3).join(" / ") || `exit code ${code}`;
        resolve({ label, wallSeconds: NaN, maxRssMb: NaN, check: "", failed: why });
      }
    });
  });
}

/**
 * The Parquet twin of a CSV bench project: `<root>-parquet/` with the same specs and data.parquet
 * (snappy, DuckDB's default row groups), written once and cached beside the CSV.
 */
async function parquetTwin(project: BenchProject): Promise<BenchProject> {
  const root = `${project.root}-parquet`;
  const file = path.join(root, "data.parquet");
  const stamp = path.join(root, "complete.json");
  const expected = JSON.stringify({ csvBytes: project.bytes, compression: "snappy" });
  if (!(existsSync(stamp) && readFileSync(stamp, "utf8") === expected)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (const name of ["modelgate.yml", "model.yml"])
      copyFileSync(path.join(project.root, name), path.join(root, name));
    const spec = readFileSync(path.join(project.root, "data.yml"), "utf8");
    writeFileSync(path.join(root, "data.yml"), spec.replace("file: data.csv", "file: data.parquet"));
    const categories = [...spec.matchAll(/name: (\w+), type: category/g)].map((m) => `'${m[1]}': 'VARCHAR'`);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const csv = project.csv.replaceAll("'", "''");
    await connection.run(
      `COPY (SELECT * FROM read_csv('${csv}', header = true, types = {${categories.join(", ")}})) ` +
        `TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION snappy)`,
    );
    connection.closeSync();
    writeFileSync(stamp, expected);
  }
  return { root, csv: file, rows: project.rows, bytes: statSync(file).size };
}

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
const grouped = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en") : "–");

/** Measures every task on `rows` rows (the best of `repeat`) and prints one table and the ratios. */
export async function runFormatsBench(cache: string, rows: number, repeat: number): Promise<void> {
  process.stdout.write(`data formats: generating ${rows.toLocaleString("en")} rows as CSV and Parquet … `);
  const csv = await benchProject(cache, rows, undefined, CATEGORIES);
  const parquet = await parquetTwin(csv);
  const dialect = await dialectBenchProject(cache, rows);
  console.log(
    `CSV ${(csv.bytes / 1e6).toFixed(0)} MB, Parquet (snappy) ${(parquet.bytes / 1e6).toFixed(0)} MB, ` +
      `CSV dialect (no categories) ${(dialect.bytes / 1e6).toFixed(0)} MB`,
  );
  const out = mkdtempSync(path.join(tmpdir(), "modelgate-formats-bench-"));
  const tasks: { key: string; label: string; script: string; args: string[] }[] = [
    {
      key: "run-csv",
      label: "modelgate run, CSV (default dialect)",
      script: "bench-child.js",
      args: ["run", csv.root, out],
    },
    {
      key: "run-dialect",
      label: "modelgate run, CSV with trim + missing markers",
      script: "bench-child.js",
      args: ["run", dialect.root, out],
    },
    {
      key: "run-parquet",
      label: "modelgate run, Parquet (snappy)",
      script: "bench-child.js",
      args: ["run", parquet.root, out],
    },
    {
      key: "ingest-csv",
      label: "modelgate ingest alone, CSV",
      script: "bench-child.js",
      args: ["ingest", csv.root],
    },
    {
      key: "ingest-parquet",
      label: "modelgate ingest alone, Parquet",
      script: "bench-child.js",
      args: ["ingest", parquet.root],
    },
    {
      key: "duckdb-csv",
      label: "DuckDB read_csv into JavaScript (ingest alone)",
      script: "formats-bench-child.js",
      args: ["duckdb", csv.csv],
    },
    {
      key: "duckdb-parquet",
      label: "DuckDB read_parquet into JavaScript (ingest alone)",
      script: "formats-bench-child.js",
      args: ["duckdb", parquet.csv],
    },
    {
      key: "duckdb-dialect",
      label: "DuckDB read_csv, nullstr ['?', ' ?'] (ingest alone)",
      script: "formats-bench-child.js",
      args: ["duckdb-dialect", dialect.csv],
    },
    {
      key: "hyparquet",
      label: "hyparquet read alone (its generic read)",
      script: "formats-bench-child.js",
      args: ["hyparquet", parquet.csv],
    },
  ];
  const results = new Map<string, Measured>();
  for (const t of tasks) {
    let kept: Measured | undefined;
    for (let k = 0; k < repeat; k++) {
      const m = await measure(t.label, t.script, t.args);
      if (
        kept === undefined ||
        (!m.failed && (kept.failed !== undefined || m.wallSeconds < kept.wallSeconds))
      )
        kept = m;
    }
    results.set(t.key, kept!);
    console.log(
      `  ${t.label}: ${kept!.failed ? `failed (${kept!.failed})` : `${fixed(kept!.wallSeconds, 2)} s`}`,
    );
  }
  rmSync(out, { recursive: true, force: true });
  console.log(
    `\n${rows.toLocaleString("en")} rows × 20 features (${CATEGORIES} categories; the dialect's none) + target, CSV and Parquet:\n`,
  );
  console.log(
    markdownTable(
      [
        ["task", "wall s", "rows/s", "peak MB", "check"],
        ...[...results.values()].map((r) =>
          r.failed
            ? [r.label, "failed", "", "", r.failed]
            : [
                r.label,
                fixed(r.wallSeconds, 2),
                grouped(rows / r.wallSeconds),
                fixed(r.maxRssMb, 0),
                r.check,
              ],
        ),
      ],
      { align: ["l", "r", "r", "r", "l"] },
    ),
  );
  const wall = (key: string) => (results.get(key)?.failed ? undefined : results.get(key)?.wallSeconds);
  const ratio = (a: string, b: string, text: string) => {
    const x = wall(a);
    const y = wall(b);
    if (x !== undefined && y !== undefined) console.log(`- ${text}: ${(x / y).toFixed(2)} (goal: at most 1)`);
  };
  console.log("");
  ratio("run-csv", "duckdb-csv", "modelgate run on CSV / DuckDB read_csv alone");
  ratio(
    "run-dialect",
    "duckdb-dialect",
    "modelgate run on CSV with trim + missing markers / DuckDB read_csv with the markers alone",
  );
  ratio("run-parquet", "duckdb-parquet", "modelgate run on Parquet / DuckDB read_parquet alone");
  ratio("ingest-parquet", "duckdb-parquet", "modelgate ingest of Parquet / DuckDB read_parquet alone");
  console.log("");
}
