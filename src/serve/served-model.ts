/**
 * A model version as the server holds it: a fitted model (any kind, behind src/model/'s one
 * interface) bound to the data spec's columns, the input tensors a request may carry (one per
 * column, named like the column, as MLServer's pandas codec does), and its output.
 */
import type { RowBatch } from "../data/row-batch.js";
import type { BatchScorer, FittedModel, ModelTask } from "../model/fitted-model.js";
import type { ColumnType, DataSpec } from "../project/schemas.js";

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
export function datatypeOf(type: ColumnType): Datatype {
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
  task: ModelTask;
  /** The data spec requests are validated against. */
  dataSpec: DataSpec;
  /** The columns the model reads; a request must carry each of them. */
  features: readonly string[];
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** The training data profile, when the model carries one (canary rows). */
  profile: unknown;
  /** Metrics the registry recorded for the version. */
  metrics: Record<string, number | null>;
  /**
   * Predictions for every row of `batch` into `out` (length at least `batch.length`); returns how
   * many category values were unseen in training (scored as missing, as batch scoring does).
   */
  score(batch: RowBatch, out: Float64Array): number | Promise<number>;
  /** The input that row `i` lacks and the model cannot impute, or null when it can be scored. */
  unscorable(batch: RowBatch, i: number): string | null;
}

/** What the registry says of a version. */
export interface VersionInfo {
  version: number;
  sha256: string;
  metrics?: Record<string, number | null>;
}

/**
 * A fitted model as a {@link ServedModel}, bound to the columns of `dataSpec`. Calls of an
 * asynchronous scorer are queued: a bound scorer is never used by two calls at once.
 */
export async function servedModel(
  fitted: FittedModel,
  dataSpec: DataSpec,
  info: VersionInfo,
): Promise<ServedModel> {
  const columns = dataSpec.columns.map((c) => c.name);
  const scorer: BatchScorer = await fitted.bind(columns);
  const features = fitted.inputs.map((i) => i.name);
  const notImputed = fitted.inputs
    .filter((i) => !i.imputed)
    .map((i) => [i.name, columns.indexOf(i.name)] as const);
  const outputName = fitted.output === "positive-probability" ? "probability" : "prediction";
  let rows = new Int32Array(0);
  let queue: Promise<unknown> = Promise.resolve();
  const run = (batch: RowBatch, out: Float64Array): number | Promise<number> => {
    if (rows.length < batch.length) rows = Int32Array.from({ length: batch.length }, (_, i) => i);
    const before = scorer.unseen;
    const done = scorer.scoreBatch(batch, rows, batch.length, out);
    return done ? done.then(() => scorer.unseen - before) : scorer.unseen - before;
  };
  const file = (fitted as { file?: { profile?: unknown } }).file;
  return {
    name: fitted.metadata.model,
    version: info.version,
    sha256: info.sha256,
    task: fitted.task,
    dataSpec,
    features,
    inputs: fitted.inputs.map((i) => ({ name: i.name, datatype: datatypeOf(i.type), shape: [-1] })),
    outputs: [{ name: outputName, datatype: "FP64", shape: [-1] }],
    profile: file?.profile ?? null,
    metrics: info.metrics ?? {},
    score(batch, out) {
      if (fitted.format === "builtin") return run(batch, out);
      const next = queue.then(() => run(batch, out));
      queue = next.catch(() => undefined);
      return next;
    },
    unscorable(batch, i) {
      for (const [name, c] of notImputed) {
        const col = batch.columns[c]!;
        const missing =
          col.kind === "numeric"
            ? Number.isNaN(col.values[i]!)
            : col.kind === "category"
              ? col.codes[i]! < 0
              : col.values[i] === null;
        if (missing) return name;
      }
      return null;
    },
  };
}
