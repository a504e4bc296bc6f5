/**
 * Fitting a linear or ridge model over streamed rows, with the hyperparameter search:
 *
 * 1. A statistics pass over the train side learns the feature pipeline (imputation values,
 *    scaling, category levels); it rides on the caller's checking scan when there is one.
 * 2. A factoring pass folds every train row into the QR factor of its cross-validation fold:
 *    [1, terms…, y]. Memory stays O(terms²) per fold whatever the row count.
 * 3. Each trial (penalty, feature subset, polynomial degrees) is a choice of columns and a
 *    penalty, solved from the merged factors of k-1 folds and scored exactly on the held-out
 *    fold from its own factor (||X b - y||² = ||R [b; -1]||²), so search costs no extra pass
 *    for rmse and r2. Other metrics take one more pass over the train side.
 * 4. The chosen trial is refitted on all train rows; coefficients go back to original units.
 */
import { TRAIN, type RowBatch } from "../data/row-batch.js";
import type { DataSpec, MetricName, ModelSpec } from "../spec/schemas.js";
import {
  PipelineLearner,
  bindPipeline,
  resolveFeatures,
  termNames,
  toOriginalUnits,
} from "./feature-pipeline.js";
import {
  chooseTrial,
  finishPipeline,
  finiteOrNull,
  penaltyFor,
  restrictPipeline,
  termRecords,
  trialColumns,
  type ModelFit,
  type TrialResult,
} from "./fit-common.js";
import { QrAccumulator } from "./least-squares/qr-accumulator.js";
import { heldOutSse, solveColumns } from "./solve-columns.js";
import { foldOf, searchTrials } from "./search-space.js";

export interface LinearFitInput {
  spec: ModelSpec;
  data: DataSpec;
  features: string[];
  /** A fresh pass over the data each call. */
  read: () => AsyncIterable<RowBatch>;
  /**
   * The first pass, when the caller streams the data anyway (the checking scan): it calls
   * `visit` with every batch, and the statistics are learnt from them instead of from a pass of
   * their own. It throws, like the scan, when the data is invalid.
   */
  firstPass?: (visit: (batch: RowBatch) => void) => Promise<void>;
  /** Where problems are reported (the data file, relative). */
  source: string;
}

export type LinearFit = ModelFit;

/** Trains the model the spec describes; see the file comment for the passes. */
export async function fitLinear(input: LinearFitInput): Promise<LinearFit> {
  const { spec, data } = input;
  const columns = data.columns;
  const columnNames = columns.map((c) => c.name);
  const targetIndex = columnNames.indexOf(spec.target);
  const intercept = spec.algorithm.intercept;
  // Scaling changes a penalised fit only; plain least squares on raw terms (QR is accurate on
  // them) gives standard errors straight in original units, the intercept's included.
  const standardise =
    spec.preprocessing.scale === "standard" &&
    (spec.search?.space?.alpha !== undefined || spec.algorithm.type !== "linear");
  const trials = searchTrials(spec, input.features);
  const maxDegree: Record<string, number> = {};
  for (const t of trials)
    for (const [f, d] of Object.entries(t.degree)) maxDegree[f] = Math.max(maxDegree[f] ?? 1, d);
  const searching = trials.length > 1;
  const folds = searching ? (spec.search?.folds ?? 5) : 1;
  const foldSeed = spec.search?.seed ?? spec.seed;
  const primary: MetricName = spec.metrics.primary ?? "rmse";

  // 1. statistics
  const learner = new PipelineLearner(resolveFeatures(spec, columns, maxDegree), columns);
  let missingTarget = 0;
  const learn = (batch: RowBatch): void => {
    const y = targetValues(batch, targetIndex);
    for (let i = 0; i < batch.length; i++) if (Number.isNaN(y[i]!)) missingTarget++;
    learner.add(batch, (i) => batch.side[i] === TRAIN && !Number.isNaN(y[i]!));
  };
  if (input.firstPass) await input.firstPass(learn);
  else for await (const batch of input.read()) learn(batch);
  const { pipeline, warnings } = finishPipeline(learner, { intercept, standardise }, input.source);

  // 2. factoring
  const bound = bindPipeline(pipeline, columnNames);
  const offset = intercept ? 1 : 0;
  const width = offset + bound.width + 1;
  const accumulators = Array.from({ length: folds }, () => new QrAccumulator(width));
  const row = new Float64Array(width);
  if (intercept) row[0] = 1;
  const foldY = Array.from({ length: folds }, () => ({ n: 0, mean: 0, m2: 0 }));
  let unscorable = 0;
  for await (const batch of input.read()) {
    const y = targetValues(batch, targetIndex);
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TRAIN || Number.isNaN(y[i]!)) continue;
      if (bound.hasUnimputedMissing(batch, i)) {
        unscorable++;
        continue;
      }
      bound.fill(batch, i, row, offset, true);
      row[width - 1] = y[i]!;
      const f = folds > 1 ? foldOf(batch.row[i]!, folds, foldSeed) : 0;
      accumulators[f]!.addRow(row);
      const s = foldY[f]!;
      const d = y[i]! - s.mean;
      s.mean += d / ++s.n;
      s.m2 += d * (y[i]! - s.mean);
    }
  }
  if (unscorable > 0)
    warnings.push(`${unscorable} train rows were left out: a feature with \`impute: none\` was missing`);
  const all = new QrAccumulator(width);
  for (const a of accumulators) all.merge(a);
  const trainingRows = all.rows;

  // 3. search
  const names = [...(intercept ? ["(intercept)"] : []), ...termNames(pipeline)];
  // Fold models: trial × fold, each fitted on the other folds.
  const foldFits: (Float64Array | null)[][] = searching
    ? trials.map((params) => {
        const cols = trialColumns(pipeline, params, intercept);
        const penalty = penaltyFor(cols, params.alpha, intercept);
        return accumulators.map((held, f) => {
          if (held.rows === 0) return null;
          const rest = new QrAccumulator(width);
          accumulators.forEach((a, g) => g !== f && rest.merge(a));
          if (rest.rows === 0) return null;
          return solveColumns(rest.factor(), cols, penalty, names).coefficientsFull;
        });
      })
    : [];
  const foldScoresOf: (number | null)[][] = searching
    ? primary === "rmse" || primary === "r2"
      ? foldFits.map((fits) =>
          fits.map((b, f) => {
            if (!b) return null;
            const sse = heldOutSse(accumulators[f]!.factor(), b);
            const n = foldY[f]!.n;
            return primary === "rmse" ? Math.sqrt(sse / n) : foldY[f]!.m2 > 0 ? 1 - sse / foldY[f]!.m2 : null;
          }),
        )
      : await scoreFoldsByPass(input, {
          bound,
          offset,
          width,
          targetIndex,
          folds,
          foldSeed,
          primary,
          foldFits,
        })
    : [];
  const results: TrialResult[] = trials.map((params, k) => {
    if (!searching) return { params, score: null, foldScores: [] };
    const foldScores = foldScoresOf[k]!;
    const defined = foldScores.filter((s): s is number => s !== null);
    return {
      params,
      score: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
      foldScores,
    };
  });
  const chosen = chooseTrial(results, primary === "r2");

  // 4. final fit on every train row
  const params = trials[chosen]!;
  const cols = trialColumns(pipeline, params, intercept);
  const { fit } = solveColumns(all.factor(), cols, penaltyFor(cols, params.alpha, intercept), names, {
    rankDeficient: "throw",
    file: input.source,
  });
  warnings.push(...fit.problems.map((p) => p.message));
  const final = restrictPipeline(pipeline, params);
  const original = toOriginalUnits(final, Array.from(fit.coefficients), Array.from(fit.standardErrors));
  const { coefficients, standardErrors } = termRecords(termNames(final), original);
  return {
    pipeline: final,
    coefficients,
    intercept: original.intercept,
    standardErrors,
    interceptStandardError: finiteOrNull(original.interceptStandardError),
    alpha: params.alpha,
    trainingRows,
    missingTarget,
    trials: results,
    chosen,
    searchMetric: primary,
    folds: searching ? folds : 0,
    warnings,
  };
}

/** The target column as numbers (NaN for missing). */
function targetValues(batch: RowBatch, index: number): Float64Array {
  const col = batch.columns[index]!;
  if (col.kind !== "numeric") throw new TypeError(`target ${col.name} is not numeric`);
  return col.values;
}

/**
 * Cross-validated scores for metrics that the factors cannot give (mae, mape, max_error): one
 * more pass over the train side, each row scored by every trial's model of the row's fold.
 */
async function scoreFoldsByPass(
  input: LinearFitInput,
  ctx: {
    bound: ReturnType<typeof bindPipeline>;
    offset: number;
    width: number;
    targetIndex: number;
    folds: number;
    foldSeed: number;
    primary: MetricName;
    foldFits: (Float64Array | null)[][];
  },
): Promise<(number | null)[][]> {
  const { bound, offset, width, folds, primary, foldFits } = ctx;
  const trials = foldFits.length;
  const sum = new Float64Array(trials * folds);
  const count = new Float64Array(trials * folds);
  const row = new Float64Array(width - 1);
  if (offset) row[0] = 1;
  for await (const batch of input.read()) {
    const y = targetValues(batch, ctx.targetIndex);
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TRAIN || Number.isNaN(y[i]!) || bound.hasUnimputedMissing(batch, i)) continue;
      bound.fill(batch, i, row, offset, true);
      const f = foldOf(batch.row[i]!, folds, ctx.foldSeed);
      for (let t = 0; t < trials; t++) {
        const b = foldFits[t]![f];
        if (!b) continue;
        let p = 0;
        for (let j = 0; j < row.length; j++) p += b[j]! * row[j]!;
        const e = Math.abs(y[i]! - p);
        const at = t * folds + f;
        if (primary === "mae") {
          sum[at]! += e;
          count[at]!++;
        } else if (primary === "mape") {
          if (Math.abs(y[i]!) > 1e-9) {
            sum[at]! += e / Math.abs(y[i]!);
            count[at]!++;
          }
        } else if (primary === "max_error") {
          sum[at] = Math.max(sum[at]!, e);
          count[at] = 1;
        }
      }
    }
  }
  return foldFits.map((fits, t) =>
    fits.map((b, f) => {
      const at = t * folds + f;
      if (!b || count[at] === 0) return null;
      return primary === "max_error" ? sum[at]! : sum[at]! / count[at]!;
    }),
  );
}
