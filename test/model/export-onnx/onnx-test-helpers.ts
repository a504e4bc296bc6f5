/** Shared by the export tests: ONNX Runtime feeds from engine row batches, and a float64 comparison. */
import * as ort from "onnxruntime-node";
import type { ColumnVector, RowBatch } from "../../../src/data/row-batch.js";
import type { ModelFile } from "../../../src/model/model-file.js";
import { makeScorer } from "../../../src/model/builtin-model.js";

/**
 * The ONNX inputs of rows `rows` of `batch` in the export's conventions: one [N, 1] tensor per
 * feature named like the column, raw numbers as double (NaN missing), categories as text ("" missing).
 */
export function feedsOf(
  model: ModelFile,
  batch: RowBatch,
  rows: readonly number[],
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of model.pipeline.features) {
    const col = batch.columns.find((c) => c.name === f.name)!;
    if (col.kind === "numeric")
      feeds[f.name] = new ort.Tensor(
        "float64",
        Float64Array.from(rows, (i) => col.values[i]!),
        [rows.length, 1],
      );
    else if (col.kind === "category")
      feeds[f.name] = new ort.Tensor(
        "string",
        rows.map((i) => (col.codes[i]! < 0 ? "" : col.levels[col.codes[i]!]!)),
        [rows.length, 1],
      );
    else throw new Error(`column ${f.name} is a string column`);
  }
  return feeds;
}

/** The engine's predictions for rows `rows` of `batch` (NaN where it cannot score). */
export function enginePredictions(model: ModelFile, batch: RowBatch, rows: readonly number[]): Float64Array {
  const scorer = makeScorer(
    model,
    batch.columns.map((c) => c.name),
  );
  const out = new Float64Array(rows.length);
  scorer.predictRows(batch, Int32Array.from(rows), rows.length, out);
  return out;
}

/** Runs an exported model on `feeds`; returns its outputs by name. */
export async function runOnnx(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/**
 * The largest relative difference |a - b| / max(|a|, |b|) between two arrays (0 where both are
 * equal, NaN included; Infinity where only one is NaN).
 */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Object.is(x, y) || x === y) continue;
    if (Number.isNaN(x) || Number.isNaN(y)) return Infinity;
    worst = Math.max(worst, Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
  }
  return worst;
}

/**
 * `batch` with holes: in the t-th row, feature t mod F (in the model's order) is missing, or for
 * every other category hole a value the model has not seen. Exercises every imputation on real rows.
 */
export function withHoles(model: ModelFile, batch: RowBatch): RowBatch {
  const features = model.pipeline.features.map((f) => f.name);
  const columns = batch.columns.map((col): ColumnVector => {
    const f = features.indexOf(col.name);
    if (f < 0) return col;
    const holes = (i: number) => i % features.length === f;
    if (col.kind === "numeric") return { ...col, values: col.values.map((v, i) => (holes(i) ? NaN : v)) };
    if (col.kind === "category") {
      const levels = [...col.levels, "a level never seen"];
      const codes = col.codes.map((c, i) =>
        holes(i) ? (Math.floor(i / features.length) % 2 === 0 ? -1 : levels.length - 1) : c,
      );
      return { ...col, codes, levels, raw: levels };
    }
    return col;
  });
  return { ...batch, columns };
}
