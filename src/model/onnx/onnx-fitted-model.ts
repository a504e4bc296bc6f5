/**
 * An ONNX model behind the one model interface ({@link FittedModel}): bound to a data source's
 * columns, it gathers the rows asked for from a batch (numbers as float64, categories as the
 * text written in the file) and scores them with ONNX Runtime through {@link OnnxScorer}.
 */
import type { RowBatch } from "../../data/row-batch.js";
import type { ColumnType } from "../../project/schemas.js";
import { outputKindOf, type BatchScorer, type FittedModel, type ModelTask } from "../fitted-model.js";
import { MissingFeaturesError } from "../pipeline.js";
import type { CheckedOnnxModel } from "./open-onnx-model.js";
import type { OnnxBackend } from "./onnx-runtime.js";
import { OnnxScorer } from "./score-onnx.js";

/** What the model spec says of an ONNX model. */
export interface OnnxModelSpec {
  model: string;
  task: ModelTask;
  target: string;
  positiveClass: string | null;
  specHash: string | null;
  /** The features in spec order, with their data spec types. */
  features: readonly { name: string; type: ColumnType }[];
  threads?: number;
  backend?: OnnxBackend;
  /** What the registry knows of its data, for a registered version; null otherwise. */
  dataHash?: string | null;
  trainingRows?: number | null;
}

/** An ONNX model as a {@link FittedModel}; `onnx` keeps the checked file (bytes, signature). */
export interface OnnxFittedModel extends FittedModel {
  readonly format: "onnx";
  readonly onnx: CheckedOnnxModel;
}

/** Wraps a checked ONNX model (open-onnx-model.ts) in the model interface. */
export function onnxFittedModel(onnx: CheckedOnnxModel, spec: OnnxModelSpec): OnnxFittedModel {
  const model: OnnxFittedModel = {
    format: "onnx",
    onnx,
    task: spec.task,
    output: outputKindOf(spec.task),
    // The model meets a missing value as it was exported to (NaN in, its own imputation or not).
    inputs: spec.features.map((f) => ({ name: f.name, type: f.type, imputed: true })),
    sha256: onnx.sha256,
    metadata: {
      model: spec.model,
      target: spec.target,
      positiveClass: spec.positiveClass,
      specHash: spec.specHash,
      dataHash: spec.dataHash ?? null,
      trainingRows: spec.trainingRows ?? null,
      algorithm: "onnx",
    },
    async bind(columnNames) {
      const at = spec.features.map((f) => columnNames.indexOf(f.name));
      const missing = spec.features.filter((_, k) => at[k]! < 0).map((f) => f.name);
      if (missing.length > 0) throw new MissingFeaturesError(missing);
      const scorer = await OnnxScorer.open(onnx.bytes, onnx.binding, {
        file: onnx.file,
        threads: spec.threads ?? 1,
        ...(spec.backend ? { backend: spec.backend } : {}),
      });
      return bindScorer(model, scorer, at);
    },
  };
  return model;
}

function bindScorer(model: OnnxFittedModel, scorer: OnnxScorer, at: readonly number[]): BatchScorer {
  let numbers: Float64Array[] = [];
  let texts: (string | null)[][] = [];
  return {
    model,
    contributionFeatures: null,
    unseen: 0,
    async scoreBatch(batch: RowBatch, rows: Int32Array, count: number, out: Float64Array) {
      if (count === 0) return;
      if ((numbers[0]?.length ?? -1) < count) {
        numbers = at.map(() => new Float64Array(count));
        texts = at.map(() => new Array<string | null>(count).fill(null));
      }
      const values = at.map((c, k) => {
        const column = batch.columns[c]!;
        if (column.kind === "numeric") {
          const v = numbers[k]!;
          for (let t = 0; t < count; t++) v[t] = column.values[rows[t]!]!;
          return v.subarray(0, count);
        }
        const v = texts[k]!;
        if (column.kind === "category") {
          // The text as written in the file (before `labels`): what the model was trained on.
          for (let t = 0; t < count; t++) {
            const code = column.codes[rows[t]!]!;
            v[t] = code < 0 ? null : column.raw[code]!;
          }
        } else {
          for (let t = 0; t < count; t++) v[t] = column.values[rows[t]!] ?? null;
        }
        return v;
      });
      out.set(await scorer.score(values, count));
    },
    close: () => scorer.close(),
  };
}
