/**
 * The same rows stored as CSV, JSON Lines, Parquet and Parquet part files (a glob) give the same
 * report.json from `modelgate run`, every number to 1e-12: only the data's file, format, size
 * and hash differ.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/data/parquet");
const work = mkdtempSync(path.join(tmpdir(), "modelgate-formats-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const COLUMNS = `columns:
  - { name: id, type: integer, min: 1 }
  - { name: x, type: number, nullable: true }
  - { name: n, type: integer, min: 0 }
  - { name: flag, type: boolean }
  - { name: color, type: category }
  - { name: note, type: string, nullable: true }
  - { name: day, type: date }
  - { name: y, type: number }
split: { test: 0.25, salt: formats }
`;

const MODEL = `data: rows.data.yml
task: regression
target: y
features: [x, n, flag, color, day]
preprocessing: { impute: { numeric: median }, scale: standard }
algorithm: { type: ridge, alpha: 0.5 }
metrics: { primary: rmse, report: [rmse, mae, r2], bootstrap: { samples: 200, seed: 3 } }
slices: [color]
minSliceSize: 5
seed: 1
`;

async function runWith(name: string, file: string): Promise<Record<string, unknown>> {
  const root = path.join(work, name);
  mkdirSync(root, { recursive: true });
  cpSync(fixtures, path.join(root, "data"), { recursive: true });
  writeFileSync(path.join(root, "modelgate.yml"), "version: 1\nmodels:\n  rows: rows.model.yml\n");
  writeFileSync(path.join(root, "rows.data.yml"), `file: data/${file}\n${COLUMNS}`);
  writeFileSync(path.join(root, "rows.model.yml"), MODEL);
  const io = memoryIo(root);
  const out = path.join(root, "out");
  const code = await main(["run", "--config", path.join(root, "modelgate.yml"), "--out", out], io);
  expect(code, io.stderr).toBe(0);
  return JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Record<string, unknown>;
}

/** Every leaf of a JSON value with its path; the data's file, format, size and hash left out. */
function leaves(value: unknown, at = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) leaves(v, `${at}/${k}`, out);
  } else if (!/\/data\/(file|format|bytes|sha256)$|Sha256$|\/dataHash$|\/specHash$/.test(at))
    out.set(at, value);
  return out;
}

describe("the same rows in every format", () => {
  it("give the same report.json from modelgate run", { timeout: 60_000 }, async () => {
    const csv = await runWith("csv", "rows.csv");
    const others = {
      jsonl: await runWith("jsonl", "rows.jsonl"),
      parquet: await runWith("parquet", "rows-snappy.parquet"),
      parts: await runWith("parts", "parts/part-*.parquet"),
    };
    const expected = leaves(csv);
    expect(expected.size).toBeGreaterThan(50);
    for (const [name, report] of Object.entries(others)) {
      const got = leaves(report);
      expect([...got.keys()], name).toEqual([...expected.keys()]);
      for (const [key, want] of expected) {
        const value = got.get(key);
        if (typeof want === "number" && typeof value === "number")
          expect(Math.abs(value - want), `${name} ${key}`).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(want)),
          );
        else expect(value, `${name} ${key}`).toEqual(want);
      }
    }
  });
});
