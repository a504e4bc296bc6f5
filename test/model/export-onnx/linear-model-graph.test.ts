/**
 * The exported graph against the engine's scorer on made-up models and rows: every imputation,
 * dates, booleans, polynomial terms, one-hot with and without a reference level, unseen and
 * missing categories, no intercept, no terms at all, and classification.
 */
import { describe, expect, it } from "vitest";
import type { ColumnVector, RowBatch } from "../../../src/data/row-batch.js";
import { exportOnnx } from "../../../src/model/export-onnx/index.js";
import { uniformOpen } from "../../../src/random.js";
import { MS_PER_YEAR, type FeatureStep } from "../../../src/model/pipeline.js";
import type { ModelFile } from "../../../src/model/model-file.js";
import { category, modelOf, numeric, options } from "./made-up-models.js";
import { enginePredictions, feedsOf, maxRelativeDifference, runOnnx } from "./onnx-test-helpers.js";

/** A batch of rows; a category column's levels are its model levels plus any unseen ones. */
function batchOf(columns: ColumnVector[]): RowBatch {
  const length =
    columns[0]!.kind === "category"
      ? columns[0]!.codes.length
      : (columns[0] as { values: Float64Array }).values.length;
  return {
    length,
    row: Uint32Array.from({ length }, (_, i) => i + 1),
    line: Uint32Array.from({ length }, (_, i) => i + 2),
    side: new Uint8Array(length).fill(1),
    columns,
  };
}

async function compare(
  model: ModelFile,
  batch: RowBatch,
): Promise<{ expected: Float64Array; actual: Float64Array; result: Awaited<ReturnType<typeof runOnnx>> }> {
  const rows = Array.from({ length: batch.length }, (_, i) => i);
  const expected = enginePredictions(model, batch, rows);
  const result = await runOnnx(exportOnnx(model, options), feedsOf(model, batch, rows));
  const output = model.task === "classification" ? "probability" : "prediction";
  return { expected, actual: result[output]!.data as Float64Array, result };
}

describe("linear model graph", () => {
  it("matches the engine on random pipelines and rows, missing and unseen values included", async () => {
    const random = uniformOpen(20261205);
    const impute = ["mean", "median", "most_frequent", "constant", "none"] as const;
    let rowsWithNaN = 0;
    let worst = 0;
    for (let trial = 0; trial < 40; trial++) {
      const features: FeatureStep[] = [];
      const columns: ColumnVector[] = [];
      const coefficients: Record<string, number> = {};
      const withIntercept = random() < 0.8;
      const n = 60;
      const count = 1 + Math.floor(random() * 5);
      for (let f = 0; f < count; f++) {
        const name = `f${f}`;
        const how = impute[Math.floor(random() * impute.length)]!;
        if (random() < 0.4) {
          const levels = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => `level ${k}`);
          const fill =
            how === "none"
              ? null
              : how === "constant"
                ? random() < 0.5
                  ? "other"
                  : levels.at(-1)!
                : levels[0]!;
          const step = category(name, levels, how, fill, withIntercept ? levels[0]! : null);
          features.push(step);
          const seen = [...levels, "never seen"];
          columns.push({
            kind: "category",
            name,
            type: "category",
            codes: Int32Array.from({ length: n }, () =>
              random() < 0.15 ? -1 : Math.floor(random() * seen.length),
            ),
            levels: seen,
            raw: seen,
          });
        } else {
          const type = (["number", "integer", "boolean", "date"] as const)[Math.floor(random() * 4)]!;
          const degree = type === "boolean" ? 1 : 1 + Math.floor(random() * 3);
          const fill = how === "none" ? null : (random() - 0.5) * 20;
          features.push(numeric(name, type, how, fill, degree));
          const draw = () =>
            type === "boolean"
              ? Math.round(random())
              : type === "date"
                ? Math.round((random() * 60 - 10) * MS_PER_YEAR)
                : type === "integer"
                  ? Math.round((random() - 0.5) * 100)
                  : (random() - 0.5) * 100;
          columns.push({
            kind: "numeric",
            name,
            type,
            values: Float64Array.from({ length: n }, () => (random() < 0.15 ? NaN : draw())),
          });
        }
        for (const t of features.at(-1)!.terms) coefficients[t] = (random() - 0.5) * 4;
      }
      const task = random() < 0.3 ? "classification" : "regression";
      const model = modelOf(features, coefficients, {
        intercept: withIntercept ? (random() - 0.5) * 10 : null,
        task,
        threshold: task === "classification" ? random() : null,
      });
      const { expected, actual, result } = await compare(model, batchOf(columns));
      worst = Math.max(worst, maxRelativeDifference(expected, actual));
      expect(maxRelativeDifference(expected, actual), `trial ${trial}`).toBeLessThanOrEqual(1e-9);
      rowsWithNaN += expected.filter(Number.isNaN).length;
      if (task === "classification") {
        const threshold = model.algorithm.threshold!;
        expect(Array.from(result.label!.data as BigInt64Array, Number)).toEqual(
          Array.from(actual, (p) => (p >= threshold ? 1 : 0)),
        );
      }
    }
    // impute: none was drawn, so some rows could not be scored, in the engine and in the graph alike.
    expect(rowsWithNaN).toBeGreaterThan(0);
    if (process.env.MODELGATE_SHOW_FIGURES) console.log(`random models: max relative difference ${worst}`);
  });

  it("imputes a missing or unseen category with the fill level, and treats impute: none as the engine does", async () => {
    const model = modelOf(
      [
        category("colour", ["red", "green", "blue"], "most_frequent", "green", "red"),
        category("size", ["s", "m"], "none", null, "s"),
      ],
      { "colour=green": 10, "colour=blue": 100, "size=m": 1000 },
      { intercept: 1 },
    );
    const levels = ["red", "green", "blue", "purple"];
    const batch = batchOf([
      {
        kind: "category",
        name: "colour",
        type: "category",
        codes: Int32Array.of(0, 1, 2, 3, -1, 0, 0),
        levels,
        raw: levels,
      },
      {
        kind: "category",
        name: "size",
        type: "category",
        codes: Int32Array.of(0, 0, 0, 0, 0, 1, 2),
        levels: ["s", "m", "xl"],
        raw: ["s", "m", "xl"],
      },
    ]);
    const { expected, actual } = await compare(model, batch);
    // red, green, blue, unseen purple -> green, missing -> green; size m; unseen size xl -> reference.
    expect(Array.from(actual)).toEqual([1, 11, 101, 11, 11, 1001, 1]);
    expect(Array.from(expected)).toEqual(Array.from(actual));
    const missingSize = batchOf([
      { kind: "category", name: "colour", type: "category", codes: Int32Array.of(0), levels, raw: levels },
      {
        kind: "category",
        name: "size",
        type: "category",
        codes: Int32Array.of(-1),
        levels: ["s"],
        raw: ["s"],
      },
    ]);
    const none = await compare(model, missingSize);
    expect(none.actual[0]).toBeNaN();
    expect(none.expected[0]).toBeNaN();
  });

  it("gives the intercept for every row of a model without terms", async () => {
    const model = modelOf(
      [category("c", ["only"], "most_frequent", "only", "only")],
      {},
      { intercept: 4.25 },
    );
    const batch = batchOf([
      {
        kind: "category",
        name: "c",
        type: "category",
        codes: Int32Array.of(0, -1, 0),
        levels: ["only"],
        raw: ["only"],
      },
    ]);
    const { actual, expected } = await compare(model, batch);
    expect(Array.from(actual)).toEqual([4.25, 4.25, 4.25]);
    expect(Array.from(expected)).toEqual([4.25, 4.25, 4.25]);
  });

  it("renames an output a feature column is named like, and says so in its inputs' and outputs' names", async () => {
    const model = modelOf([numeric("prediction", "number", "mean", 2)], { prediction: 3 }, { intercept: 0 });
    const batch = batchOf([
      { kind: "numeric", name: "prediction", type: "number", values: Float64Array.of(1, NaN) },
    ]);
    const rows = [0, 1];
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(exportOnnx(model, options));
    expect(session.inputNames).toEqual(["prediction"]);
    expect(session.outputNames).toEqual(["prediction_2"]);
    const result = await session.run(feedsOf(model, batch, rows));
    expect(Array.from(result.prediction_2!.data as Float64Array)).toEqual([3, 6]);
    await session.release();
  });

  it("writes the same bytes for the same model", () => {
    const model = modelOf([numeric("x", "number", "mean", 0, 2)], { x: 1, "x^2": 2 });
    expect(exportOnnx(model, options)).toEqual(exportOnnx(structuredClone(model), options));
  });
});
