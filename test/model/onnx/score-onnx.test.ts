import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import {
  checkOnnxBytes,
  OnnxScorer,
  type OnnxBackend,
  type OnnxFeature,
} from "../../../src/model/onnx/index.js";
import { fixtureBytes, fixtureRows } from "./onnx-fixtures.js";

const scorers: OnnxScorer[] = [];
afterAll(async () => {
  for (const s of scorers) await s.close();
});

async function scoreFixture(
  name: string,
  features: OnnxFeature[],
  task: "regression" | "classification",
  backend: OnnxBackend,
  batchRows?: number,
) {
  const bytes = fixtureBytes(name);
  const { binding } = checkOnnxBytes(bytes, { file: `${name}.onnx`, features, task });
  const scorer = await OnnxScorer.open(bytes, binding, {
    file: `${name}.onnx`,
    backend,
    ...(batchRows ? { batchRows } : {}),
  });
  scorers.push(scorer);
  const rows = fixtureRows(name);
  const values = features.map((f) => rows.columns.get(f.name)!);
  return { predicted: await scorer.score(values, rows.length), expected: rows.expected, scorer };
}

function maxRelativeError(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-300));
  return worst;
}

const numeric = (...names: string[]) => names.map((name) => ({ name, kind: "numeric" as const }));

describe.each<OnnxBackend>(["native", "wasm"])("OnnxScorer (%s)", (backend) => {
  it("scores a float64 linear model as scikit-learn predicts, to 1e-12 relative", async () => {
    const { predicted, expected, scorer } = await scoreFixture(
      "linear-f64",
      numeric("x1", "x2", "x3", "x4"),
      "regression",
      backend,
      64,
    );
    expect(scorer.backend).toBe(backend);
    expect(maxRelativeError(predicted, expected)).toBeLessThan(1e-12);
  });

  it("scores a float32 tree ensemble as scikit-learn predicts, to float32 rounding", async () => {
    const { predicted, expected } = await scoreFixture(
      "gbr-f32",
      numeric("x1", "x2", "x3", "x4", "x5"),
      "regression",
      backend,
    );
    expect(maxRelativeError(predicted, expected)).toBeLessThan(1e-5);
  });

  it("reads the positive class's probability of a classifier, to 1e-12 relative", async () => {
    const { predicted, expected } = await scoreFixture(
      "classifier-f64",
      numeric("x1", "x2", "x3"),
      "classification",
      backend,
      50,
    );
    expect(maxRelativeError(predicted, expected)).toBeLessThan(1e-12);
  });

  it("feeds a per-column pipeline: floats, int64 and a string category", async () => {
    const features: OnnxFeature[] = [
      { name: "color", kind: "category" },
      { name: "doors", kind: "numeric" },
      { name: "width", kind: "numeric" },
    ];
    const { predicted, expected } = await scoreFixture("per-column", features, "regression", backend, 7);
    expect(maxRelativeError(predicted, expected)).toBeLessThan(1e-5);
  });
});

describe("OnnxScorer casts", () => {
  it("refuses a missing value for an int64 input with exit 2", async () => {
    const bytes = fixtureBytes("per-column");
    const features = [
      { name: "width", kind: "numeric" as const },
      { name: "doors", kind: "numeric" as const },
      { name: "color", kind: "category" as const },
    ];
    const { binding } = checkOnnxBytes(bytes, { file: "per-column.onnx", features, task: "regression" });
    const scorer = await OnnxScorer.open(bytes, binding, { file: "per-column.onnx" });
    scorers.push(scorer);
    const error = await scorer
      .score([Float64Array.of(1.8, 2), Float64Array.of(4, NaN), ["red", "blue"]], 2)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(
      "per-column.onnx: input doors takes integers, and a row holds a missing value",
    );
  });

  it("scores the same numbers whatever the slice size", async () => {
    const a = await scoreFixture("gbr-f32", numeric("x1", "x2", "x3", "x4", "x5"), "regression", "native", 1);
    const b = await scoreFixture(
      "gbr-f32",
      numeric("x1", "x2", "x3", "x4", "x5"),
      "regression",
      "native",
      1000,
    );
    expect(Array.from(a.predicted)).toEqual(Array.from(b.predicted));
  });
});
