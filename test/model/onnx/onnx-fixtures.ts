/** Reads the committed ONNX fixtures of test/fixtures/onnx and the predictions stored beside them. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/onnx");

/** A fixture's bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(path.join(FIXTURES, `${name}.onnx`));
}

/** The columns of NAME.csv (numbers as Float64Array, text as strings) and its `expected` column. */
export function fixtureRows(name: string): {
  columns: Map<string, Float64Array | string[]>;
  expected: Float64Array;
  length: number;
} {
  const lines = readFileSync(path.join(FIXTURES, `${name}.csv`), "utf8")
    .trim()
    .split("\n");
  const header = lines[0]!.split(",");
  const cells = lines.slice(1).map((l) => l.split(","));
  const columns = new Map<string, Float64Array | string[]>();
  header.forEach((h, j) => {
    const values = cells.map((c) => c[j]!);
    columns.set(
      h,
      values.every((v) => v !== "" && !Number.isNaN(Number(v))) ? Float64Array.from(values, Number) : values,
    );
  });
  const expected = columns.get("expected") as Float64Array;
  columns.delete("expected");
  return { columns, expected, length: cells.length };
}
