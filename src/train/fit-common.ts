/** What linear and logistic fitting share: trials as design columns, and the pipeline's end. */
import { InputError } from "../errors.js";
import { AllMissingError, toOriginalUnits, type PipelineLearner } from "./feature-pipeline.js";
import { termNames, type Pipeline } from "../model/pipeline.js";
import type { TrialParams } from "./search-space.js";

/** One search trial's cross-validated score. */
export interface TrialResult {
  params: TrialParams;
  /** Cross-validated primary metric; null when it could not be computed. */
  score: number | null;
  foldScores: (number | null)[];
}

/** A fitted model, whatever the algorithm: what the model file and report need. */
export interface ModelFit {
  pipeline: Pipeline;
  coefficients: Record<string, number>;
  intercept: number | null;
  standardErrors: Record<string, number | null>;
  interceptStandardError: number | null;
  alpha: number | null;
  trainingRows: number;
  missingTarget: number;
  trials: TrialResult[];
  chosen: number;
  searchMetric: string;
  folds: number;
  warnings: string[];
}

/** The learnt pipeline, with a feature that is missing in every row as an InputError. */
export function finishPipeline(
  learner: PipelineLearner,
  options: { intercept: boolean; standardise: boolean },
  file: string,
) {
  try {
    return learner.finish(options);
  } catch (e) {
    if (!(e instanceof AllMissingError)) throw e;
    throw new InputError({
      file,
      field: e.feature,
      message: e.message,
      hint: "remove the feature from the model spec, or fill the column in the data",
    });
  }
}

export function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** Design columns (intercept first) that a trial uses, out of the full design's. */
export function trialColumns(p: Pipeline, t: TrialParams, intercept: boolean): number[] {
  const cols: number[] = intercept ? [0] : [];
  let at = intercept ? 1 : 0;
  for (const f of p.features) {
    const used = t.features.includes(f.name);
    const degree = f.kind === "numeric" ? (t.degree[f.name] ?? 1) : 1;
    f.terms.forEach((_, k) => {
      if (used && (f.kind === "category" || k < degree)) cols.push(at + k);
    });
    at += f.terms.length;
  }
  return cols;
}

export function penaltyFor(cols: number[], alpha: number | null, intercept: boolean): number[] {
  return cols.map((c) => (intercept && c === 0 ? 0 : (alpha ?? 0)));
}

/** The pipeline of the chosen trial: its features only, each to its degree. */
export function restrictPipeline(p: Pipeline, t: TrialParams): Pipeline {
  return {
    ...p,
    features: p.features
      .filter((f) => t.features.includes(f.name))
      .map((f) => {
        if (f.kind !== "numeric") return f;
        const d = t.degree[f.name] ?? 1;
        return {
          ...f,
          degree: d,
          terms: f.terms.slice(0, d),
          mean: f.mean.slice(0, d),
          std: f.std.slice(0, d),
        };
      }),
  };
}

/** Index of the best-scoring trial (the first on ties); trials without a score never win. */
export function chooseTrial(results: readonly TrialResult[], higherIsBetter: boolean): number {
  let chosen = 0;
  results.forEach((r, k) => {
    const best = results[chosen]!.score;
    if (r.score !== null && (best === null || (higherIsBetter ? r.score > best : r.score < best))) chosen = k;
  });
  return chosen;
}

/**
 * The chosen trial's model: its pipeline (restricted to the trial's features and degrees), and
 * the fit's coefficients and standard errors by term, in original units (a standard error that
 * is not finite is null).
 */
export function chosenModel(
  pipeline: Pipeline,
  params: TrialParams,
  fit: { coefficients: Float64Array; standardErrors: Float64Array },
): Pick<
  ModelFit,
  "pipeline" | "coefficients" | "intercept" | "standardErrors" | "interceptStandardError" | "alpha"
> {
  const final = restrictPipeline(pipeline, params);
  const original = toOriginalUnits(final, Array.from(fit.coefficients), Array.from(fit.standardErrors));
  const coefficients: Record<string, number> = {};
  const standardErrors: Record<string, number | null> = {};
  termNames(final).forEach((t, k) => {
    coefficients[t] = original.coefficients[k]!;
    standardErrors[t] = finiteOrNull(original.standardErrors[k]!);
  });
  return {
    pipeline: final,
    coefficients,
    intercept: original.intercept,
    standardErrors,
    interceptStandardError: finiteOrNull(original.interceptStandardError),
    alpha: params.alpha,
  };
}
