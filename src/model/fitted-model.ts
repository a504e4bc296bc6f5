/**
 * The one interface of a fitted model: what evaluation, comparison, monitoring, `predict`, the
 * shards and the server score rows with, whatever made the model (the built-in fit, an ONNX
 * file, a team's own training command).
 *
 * A model is known by what it reads (its input signature: spec columns by name), what it returns
 * (a regression value or the positive class's probability), the sha256 of its bytes (what the
 * registry pins) and a little metadata. It scores rows in batches, columnar, as the readers hand
 * them out ({@link RowBatch}): bound once to the columns of a data source, then asked for
 * `rows[0..count)` of one batch at a time. Nothing here knows how a model computes; the built-in
 * model (builtin-model.ts) and ONNX models (onnx/) implement it.
 */
import type { RowBatch } from "../data/row-batch.js";
import type { ColumnType } from "../project/schemas.js";

/** What the model predicts. */
export type ModelTask = "regression" | "classification";

/**
 * What one prediction is: `value`, the target's value (regression); `positive-probability`, the
 * probability of the positive class in [0, 1] (binary classification; the class is named in
 * {@link ModelMetadata.positiveClass}). Metrics, gates and reports read predictions this way.
 */
export type OutputKind = "value" | "positive-probability";

/** The output kind a task's predictions have. */
export function outputKindOf(task: ModelTask): OutputKind {
  return task === "classification" ? "positive-probability" : "value";
}

/** One column the model reads, by the name it has in the data spec. */
export interface ModelInput {
  /** The data spec's column name (rows are bound to columns by this name). */
  name: string;
  /**
   * The column's type as the model expects it (a data spec column type). A model that reads a
   * category as text and one that reads it as codes both say `category`.
   */
  type: ColumnType;
  /**
   * Whether the model itself replaces a missing value (imputation). A row whose value is missing
   * in an input without it cannot be scored: its prediction is NaN.
   */
  imputed: boolean;
}

/** Where a model came from and what it was fitted on, for reports and the registry. */
export interface ModelMetadata {
  /** The model's name in modelgate.yml. */
  model: string;
  /** The target column. */
  target: string;
  /** Classification: the target value counted as positive, as text; null for regression. */
  positiveClass: string | null;
  /** sha256 of the canonical parsed model and data specs it was trained from; null when unknown. */
  specHash: string | null;
  /** sha256 of the training data; null when unknown (e.g. a prebuilt model). */
  dataHash: string | null;
  /** Rows it was fitted on; null when unknown. */
  trainingRows: number | null;
  /** What made it, for people: "linear", "ridge", "logistic", "onnx", ... */
  algorithm: string;
}

/**
 * A fitted model, loaded and checked, not yet bound to a data source. Immutable; one model may be
 * bound many times (to the columns of different data sources, or once per worker).
 */
export interface FittedModel {
  /** How it is stored: `builtin` (a modelgate model file, JSON) or `onnx`. */
  readonly format: "builtin" | "onnx";
  readonly task: ModelTask;
  readonly output: OutputKind;
  /** The columns it reads, in the order it reads them. */
  readonly inputs: readonly ModelInput[];
  /** sha256 (hex) of the model's bytes as stored: what the registry records and checks. */
  readonly sha256: string;
  readonly metadata: ModelMetadata;
  /**
   * Binds the model to the columns of a data source (`columnNames`: the batch's column order,
   * the data spec's). Throws MissingFeaturesError (pipeline.ts) naming the inputs the data lacks;
   * callers report the model as not comparable on that data. May be async (opening a runtime
   * session); callers always await it.
   */
  bind(columnNames: readonly string[]): BatchScorer | Promise<BatchScorer>;
}

/**
 * A model bound to the columns of one data source. Not shared between concurrent callers: it
 * may keep scratch buffers between calls.
 */
export interface BatchScorer {
  readonly model: FittedModel;
  /**
   * Scores rows `rows[0..count)` of `batch` into `out[0..count)` (a row's index in the batch,
   * not its row number). A row that cannot be scored (a missing input the model does not impute)
   * gets NaN. Results depend only on the row's values, never on the other rows of the batch or
   * on how rows are grouped into calls.
   *
   * `contributions`, when given (length at least `contributionFeatures.length · count`), receives
   * feature f's contribution to the t-th prediction at `contributions[f · count + t]`, in the
   * units of the linear predictor, 0 for a row that cannot be scored. Only a scorer whose
   * {@link contributionFeatures} is not null fills it; others leave it untouched.
   *
   * May return a promise (a runtime scoring off the main thread); callers always await it, and
   * do not call it again on the same scorer before it settles. A scorer that computes inline
   * returns nothing, so the hot path pays no promise.
   */
  scoreBatch(
    batch: RowBatch,
    rows: Int32Array,
    count: number,
    out: Float64Array,
    contributions?: Float64Array,
  ): void | Promise<void>;
  /**
   * The features whose per-row contributions {@link scoreBatch} can report (explanations), in
   * contribution order; null when the model cannot explain itself this way (only the linear
   * built-in can today).
   */
  readonly contributionFeatures: readonly string[] | null;
  /** Category values met so far that training never saw (scored as missing, i.e. imputed). */
  readonly unseen: number;
  /** Frees what {@link FittedModel.bind} opened (a runtime session); optional. */
  close?(): Promise<void>;
}
