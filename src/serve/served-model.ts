/**
 * A model version as the server holds it: the model, the columns a request may carry (one input
 * tensor per column, named like the column, as MLServer's pandas codec does), and its output.
 */
import type { RowBatch } from "../data/row-batch.js";
import type { ColumnSpec, DataSpec } from "../spec/schemas.js";
import type { ModelFile } from "../train/model-file.js";
import { makeScorer } from "../train/score.js";

/** Open Inference Protocol datatypes the server uses. */
export type Datatype = "FP64" | "INT64" | "BOOL" | "BYTES";

/** An input or output tensor as `GET /v2/models/{name}` describes it. */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  /** -1 is the row dimension. */
  shape: number[];
}

/** The datatype of a column's tensor: dates, categories and strings travel as text. */
export function datatypeOf(type: ColumnSpec["type"]): Datatype {
  if (type === "number") return "FP64";
  if (type === "integer") return "INT64";
  if (type === "boolean") return "BOOL";
  return "BYTES";
}

/** One loaded version of a model, ready to score. */
export interface ServedModel {
  name: string;
  version: number;
  /** sha256 of the model's bytes, as the registry recorded it. */
  sha256: string;
  task: ModelFile["task"];
  /** The data spec requests are validated against. */
  dataSpec: DataSpec;
  /** The columns the model needs; a request must carry each of them. */
  features: readonly string[];
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** The training data profile (canary rows, drift on the prediction log). */
  profile: unknown;
  /** Metrics the registry recorded for the version. */
  metrics: Record<string, number | null>;
  /**
   * Predictions for every row of `batch` into `out` (length at least `batch.length`); returns how
   * many category values were unseen in training (scored as missing, as batch scoring does).
   */
  score(batch: RowBatch, out: Float64Array): number;
  /** The feature that row `i` lacks and the model cannot impute, or null when it can be scored. */
  unscorable(batch: RowBatch, i: number): string | null;
}

/** A built-in model (a modelgate model file) as a {@link ServedModel}. */
export function servedBuiltinModel(
  file: ModelFile,
  dataSpec: DataSpec,
  version: { version: number; sha256: string; metrics?: Record<string, number | null> },
): ServedModel {
  const columns = dataSpec.columns.map((c) => c.name);
  const scorer = makeScorer(file, columns);
  const features = file.pipeline.features.map((f) => f.name);
  const byName = new Map(dataSpec.columns.map((c) => [c.name, c]));
  const outputName = file.task === "classification" ? "probability" : "prediction";
  let rows = new Int32Array(0);
  return {
    name: file.model,
    version: version.version,
    sha256: version.sha256,
    task: file.task,
    dataSpec,
    features,
    inputs: features.map((f) => ({ name: f, datatype: datatypeOf(byName.get(f)!.type), shape: [-1] })),
    outputs: [{ name: outputName, datatype: "FP64", shape: [-1] }],
    profile: file.profile,
    metrics: version.metrics ?? {},
    score(batch, out) {
      if (rows.length < batch.length) rows = Int32Array.from({ length: batch.length }, (_, i) => i);
      const before = scorer.unseen;
      scorer.predictRows(batch, rows, batch.length, out);
      return scorer.unseen - before;
    },
    unscorable(batch, i) {
      if (!scorer.bound.hasUnimputedMissing(batch, i)) return null;
      for (const f of file.pipeline.features) {
        if (f.impute !== "none") continue;
        const col = batch.columns[columns.indexOf(f.name)]!;
        const missing =
          col.kind === "numeric"
            ? Number.isNaN(col.values[i]!)
            : col.kind === "category"
              ? col.codes[i]! < 0
              : col.values[i] === null;
        if (missing) return f.name;
      }
      return features[0] ?? "";
    },
  };
}
