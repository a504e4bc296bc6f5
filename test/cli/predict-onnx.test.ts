/**
 * `modelgate predict --model FILE.onnx`: a bare ONNX model scores a data file, and its
 * predictions match those of the framework that made it (stored beside each fixture).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/onnx");

async function predict(args: string[]) {
  const io = memoryIo(fixtures);
  const code = await main(["predict", ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function expected(name: string): number[] {
  const lines = readFileSync(path.join(fixtures, `${name}.csv`), "utf8")
    .trim()
    .split("\n");
  const at = lines[0]!.split(",").indexOf("expected");
  return lines.slice(1).map((l) => Number(l.split(",")[at]));
}

function predictions(csv: string): number[] {
  return csv
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => Number(l.split(",")[1]));
}

function expectClose(actual: number[], wanted: number[], relative: number) {
  expect(actual).toHaveLength(wanted.length);
  for (let i = 0; i < wanted.length; i++)
    expect(Math.abs(actual[i]! - wanted[i]!)).toBeLessThanOrEqual(
      relative * Math.max(1, Math.abs(wanted[i]!)),
    );
}

describe("predict with a bare .onnx file", () => {
  it("feeds one input per column by name, a category as text (float32 model: 1e-5)", async () => {
    const r = await predict(["--model", "per-column.onnx", "--data", "per-column.csv"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("row,prediction");
    expectClose(predictions(r.stdout), expected("per-column"), 1e-5);
  });

  it("feeds a 2-D input with the columns --features names, in order", async () => {
    const r = await predict([
      "--model",
      "linear-f64.onnx",
      "--data",
      "linear-f64.csv",
      "--features",
      "x1,x2,x3,x4",
    ]);
    expect(r.stderr).toBe("");
    expectClose(predictions(r.stdout), expected("linear-f64"), 1e-12);
    const swapped = await predict([
      "--model",
      "linear-f64.onnx",
      "--data",
      "linear-f64.csv",
      "--features",
      "x2,x1,x3,x4",
    ]);
    expect(predictions(swapped.stdout)).not.toEqual(predictions(r.stdout));
  });

  it("reads a classifier's positive-class probability (named output)", async () => {
    const r = await predict([
      "--model",
      "classifier-f64.onnx",
      "--data",
      "classifier-f64.csv",
      "--features",
      "x1,x2,x3",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")[0]).toBe("row,probability");
    expectClose(predictions(r.stdout), expected("classifier-f64"), 1e-12);
  });

  it("asks for --features when a 2-D input does not name its columns, and refuses a file that is not ONNX", async () => {
    const r = await predict(["--model", "linear-f64.onnx", "--data", "linear-f64.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/linear-f64\.onnx: has one input .* does not say which columns/);
    expect(r.stderr).toMatch(/--features/);
    const junk = await predict(["--model", "linear-f64.csv", "--data", "linear-f64.csv"]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/linear-f64\.csv: is not a readable ONNX model/);
    expect(junk.stderr).not.toMatch(/\n\s+at /);
  });
});
