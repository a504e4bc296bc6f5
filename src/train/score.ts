/** Scoring rows with a saved model: its own pipeline, its coefficients in original units. */
import type { RowBatch } from "../data/row-batch.js";
import { bindPipeline, termNames, type BoundPipeline } from "./feature-pipeline.js";
import type { ModelFile } from "./model-file.js";

export interface Scorer {
  model: ModelFile;
  bound: BoundPipeline;
  /**
   * The prediction for row `i` of `batch`: the target's value (regression) or the probability
   * of the positive class (classification); NaN when a feature without imputation is missing.
   */
  predict(batch: RowBatch, i: number): number;
  /** Unseen category values met so far (scored as missing, i.e. imputed). */
  unseen: number;
  /** Each term's contribution b_t · (x_t - mean_t) for the last predicted row (explanations). */
  contributions: Float64Array;
}

/**
 * Binds a model to the columns of a data source (`columnNames` in batch order). Throws
 * MissingFeaturesError when the data lacks a feature the model needs.
 */
export function makeScorer(model: ModelFile, columnNames: readonly string[]): Scorer {
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
  const scorer: Scorer = {
    model,
    bound,
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
  };
  return scorer;
}
