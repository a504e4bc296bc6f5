/** Shared by the export tests: ONNX Runtime feeds from engine row batches, and a float64 comparison. */
import * as ort from "onnxruntime-node";
import type { RowBatch } from "../../../src/data/row-batch.js";
import type { ModelFile } from "../../../src/train/model-file.js";
import { makeScorer } from "../../../src/train/score.js";

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
