/**
 * The built-in model behind the model interface: a modelgate model file (linear, ridge or
 * logistic regression on its own feature pipeline), scored with its coefficients in original
 * units. The only model that reports per-feature contributions (explanations).
 */
import type { RowBatch } from "../data/row-batch.js";
import { serialiseModel } from "./model-file.js";
import { outputKindOf, type BatchScorer, type FittedModel, type ModelInput } from "./fitted-model.js";
import { bindPipeline, termNames, type BoundPipeline } from "./pipeline.js";
import type { ModelFile } from "./model-file.js";

/** A model file as a {@link FittedModel}. */
export interface BuiltinModel extends FittedModel {
  readonly format: "builtin";
  /** The parsed model file. */
  readonly file: ModelFile;
  bind(columnNames: readonly string[]): Scorer;
}

/**
 * The built-in model behind the model interface. `sha256`: of the file's bytes when they were
 * read (a champion's, checked against the registry); computed from the canonical JSON otherwise.
 */
export function builtinModel(file: ModelFile, sha256?: string): BuiltinModel {
  let sha = sha256;
  // One input per column: an expanded date's parts (one step each) all read the date.
  const inputs: ModelInput[] = file.pipeline.features
    .filter((f, k, all) => all.findIndex((g) => g.name === f.name) === k)
    .map((f) => ({
      name: f.name,
      type: f.kind === "numeric" ? f.type : "category",
      imputed: f.impute !== "none",
    }));
  const model: BuiltinModel = {
    format: "builtin",
    file,
    task: file.task,
    output: outputKindOf(file.task),
    inputs,
    get sha256() {
      return (sha ??= serialiseModel(file).sha256);
    },
    metadata: {
      model: file.model,
      target: file.target,
      positiveClass: file.positiveClass,
      specHash: file.specHash,
      dataHash: file.dataHash,
      trainingRows: file.trainingRows,
      algorithm: file.algorithm.type,
    },
    bind: (columnNames) => bindBuiltin(model, columnNames),
  };
  return model;
}

/** The built-in model bound to a data source's columns. */
export interface Scorer extends BatchScorer {
  readonly model: BuiltinModel;
  /** The parsed model file. */
  readonly file: ModelFile;
  bound: BoundPipeline;
  /**
   * The prediction for row `i` of `batch`: the target's value (regression) or the probability
   * of the positive class (classification); NaN when a feature without imputation is missing.
   */
  predict(batch: RowBatch, i: number): number;
  /**
   * {@link predict} for rows `rows[0..count)` of `batch`, into `out[0..count)`, a term at a time
   * (the same numbers, bit for bit). With `byFeature`, feature f's contribution to the t-th
   * prediction goes to `byFeature[f · count + t]` (0 for a row that cannot be scored).
   */
  predictRows(
    batch: RowBatch,
    rows: Int32Array,
    count: number,
    out: Float64Array,
    byFeature?: Float64Array,
  ): void;
  /** {@link predictRows}: the built-in scores inline, so it never returns a promise. */
  scoreBatch(
    batch: RowBatch,
    rows: Int32Array,
    count: number,
    out: Float64Array,
    contributions?: Float64Array,
  ): void;
  /** The model's features, in pipeline order. */
  readonly contributionFeatures: readonly string[];
  /** Unseen category values met so far (scored as missing, i.e. imputed). */
  unseen: number;
  /** Each term's contribution b_t · (x_t - mean_t) for the last predicted row (explanations). */
  contributions: Float64Array;
}

/**
 * Binds a model file to the columns of a data source (`columnNames` in batch order). Throws
 * MissingFeaturesError when the data lacks a feature the model needs.
 */
export function makeScorer(model: ModelFile, columnNames: readonly string[]): Scorer {
  return builtinModel(model).bind(columnNames);
}

function bindBuiltin(fitted: BuiltinModel, columnNames: readonly string[]): Scorer {
  const model = fitted.file;
  const bound = bindPipeline(model.pipeline, columnNames);
  const terms = termNames(model.pipeline);
  const coef = Float64Array.from(terms, (t) => model.coefficients[t] ?? 0);
  const centre = new Float64Array(terms.length);
  let j = 0;
  for (const f of model.pipeline.features)
    for (let k = 0; k < f.terms.length; k++, j++) centre[j] = f.kind === "numeric" ? f.mean[k]! : 0;
  const intercept = model.intercept ?? 0;
  const logistic = model.task === "classification";
  const x = new Float64Array(terms.length);
  const contributions = new Float64Array(terms.length);
  // predictRows' scratch, grown as needed.
  const featureCount = model.pipeline.features.length;
  const termFeature = model.pipeline.features.flatMap((f, fi) => f.terms.map(() => fi));
  let scorable = new Int32Array(0);
  let at = new Int32Array(0);
  let design = new Float64Array(0);
  let etas = new Float64Array(0);
  const scorer: Scorer = {
    model: fitted,
    file: model,
    bound,
    contributionFeatures: model.pipeline.features.map((f) => f.name),
    unseen: 0,
    contributions,
    predict(batch, i) {
      if (bound.hasUnimputedMissing(batch, i)) return NaN;
      scorer.unseen += bound.fill(batch, i, x, 0, false);
      let eta = intercept;
      for (let t = 0; t < x.length; t++) {
        eta += coef[t]! * x[t]!;
        contributions[t] = coef[t]! * (x[t]! - centre[t]!);
      }
      return logistic ? 1 / (1 + Math.exp(-eta)) : eta;
    },
    predictRows(batch, rows, count, out, byFeature) {
      // The rows a prediction is possible for, and their terms side by side.
      if (scorable.length < count) {
        scorable = new Int32Array(count);
        at = new Int32Array(count);
      }
      let n = 0;
      for (let t = 0; t < count; t++)
        if (!bound.hasUnimputedMissing(batch, rows[t]!)) {
          scorable[n] = rows[t]!;
          at[n++] = t;
        }
      if (terms.length * n > design.length) design = new Float64Array(terms.length * n);
      scorer.unseen += bound.fillRows(batch, scorable, n, design, false);
      if (etas.length < n) etas = new Float64Array(n);
      etas.fill(intercept, 0, n);
      if (byFeature) byFeature.fill(0, 0, featureCount * count);
      for (let j = 0; j < terms.length; j++) {
        const b = coef[j]!;
        const from = j * n;
        for (let k = 0; k < n; k++) etas[k] = etas[k]! + b * design[from + k]!;
        if (!byFeature) continue;
        const c = centre[j]!;
        const f = termFeature[j]! * count;
        if (n === count)
          for (let k = 0; k < n; k++) byFeature[f + k] = byFeature[f + k]! + b * (design[from + k]! - c);
        else
          for (let k = 0; k < n; k++)
            byFeature[f + at[k]!] = byFeature[f + at[k]!]! + b * (design[from + k]! - c);
      }
      out.fill(NaN, 0, count);
      for (let k = 0; k < n; k++) out[at[k]!] = logistic ? 1 / (1 + Math.exp(-etas[k]!)) : etas[k]!;
    },
    scoreBatch(batch, rows, count, out, contributions) {
      scorer.predictRows(batch, rows, count, out, contributions);
    },
  };
  return scorer;
}
