/**
 * Fitting a linear or ridge model over streamed rows, with the hyperparameter search:
 *
 * 1. One pass over the train side (the caller's checking scan when there is one) learns the
 *    feature pipeline's statistics (imputation values, scaling, category levels) and, in the
 *    same pass, folds every train row into the QR factor of its cross-validation fold — the
 *    factor of the *raw* augmented design (src/shard/shard-design.ts), from which the factor of the
 *    final, imputed and scaled design follows exactly once the statistics are known. Memory
 *    stays O(terms²) per fold whatever the row count, and the factors of shards merge exactly.
 * 2. Each trial (penalty, feature subset, polynomial degrees) is a choice of columns and a
 *    penalty, solved from the merged factors of k-1 folds and scored exactly on the held-out
 *    fold from its own factor (||X b - y||² = ||R [b; -1]||²), so search costs no extra pass
 *    for rmse and r2. Other metrics take one more pass over the train side.
 * 3. The chosen trial is refitted on all train rows; coefficients go back to original units.
 */
import { TRAIN, type RowBatch } from "../data/row-batch.js";
import { InputError } from "../errors.js";
import { builtinAlgorithm, type DataSpec, type MetricName, type ModelSpec } from "../project/schemas.js";
import { resolveFeatures, type ResolvedFeature } from "./feature-pipeline.js";
import { bindPipeline, termNames } from "../model/pipeline.js";
import {
  chooseTrial,
  penaltyFor,
  chosenModel,
  trialColumns,
  type ModelFit,
  type TrialResult,
} from "./fit-common.js";
import { QrAccumulator } from "./least-squares/qr-accumulator.js";
import { DesignAccumulator } from "../shard/shard-design.js";
import type { DesignConfig } from "../shard/design-state.js";
import { finishDesign, type DesignPart } from "../shard/finish-design.js";
import { heldOutSse, solveColumns } from "./solve-columns.js";
import { foldOf, searchPlan, type TrialParams } from "./search-space.js";

export interface LinearFitInput {
  spec: ModelSpec;
  data: DataSpec;
  features: string[];
  /** A fresh pass over the data each call. */
  read: () => AsyncIterable<RowBatch>;
  /**
   * The first pass, when the caller streams the data anyway (the checking scan): it calls
   * `visit` with every batch, and the statistics and factors are learnt from them instead of
   * from a pass of their own. It throws, like the scan, when the data is invalid.
   */
  firstPass?: (visit: (batch: RowBatch) => void) => Promise<void>;
  /** Where problems are reported (the data file, relative). */
  source: string;
}

export type LinearFit = ModelFit;

/** What a linear fit settles from the specs alone, before any row: the same for every shard. */
export interface LinearPlan {
  trials: TrialParams[];
  features: ResolvedFeature[];
  searching: boolean;
  folds: number;
  foldSeed: number;
  primary: MetricName;
  intercept: boolean;
  standardise: boolean;
  targetIndex: number;
  columnIndex: number[];
}

/** The plan of a linear fit: trials, folds, the features at their largest degree. */
export function planLinear(spec: ModelSpec, data: DataSpec, features: string[]): LinearPlan {
  const columns = data.columns;
  const columnNames = columns.map((c) => c.name);
  const { trials, maxDegree, searching, folds, foldSeed } = searchPlan(spec, features);
  const resolved = resolveFeatures(spec, columns, maxDegree);
  return {
    trials,
    features: resolved,
    searching,
    folds,
    foldSeed,
    primary: spec.metrics.primary ?? "rmse",
    intercept: builtinAlgorithm(spec).intercept,
    // Scaling changes a penalised fit only; plain least squares on raw terms (QR is accurate on
    // them) gives standard errors straight in original units, the intercept's included.
    standardise:
      spec.preprocessing.scale === "standard" &&
      (spec.search?.space?.alpha !== undefined || spec.algorithm.type !== "linear"),
    targetIndex: columnNames.indexOf(spec.target),
    columnIndex: resolved.map((f) => columnNames.indexOf(f.name)),
  };
}

/**
 * Whether the fit reads the train rows again after its first pass: a search scored by a metric
 * that the fold factors do not give (mae, mape, max_error).
 */
export function rereadsRows(plan: Pick<LinearPlan, "searching" | "primary">): boolean {
  return plan.searching && plan.primary !== "rmse" && plan.primary !== "r2";
}

/** A fresh accumulator of the plan's raw design; `keep` limits it to a shard's rows. */
export function designAccumulator(plan: LinearPlan, keep?: DesignConfig["keep"]): DesignAccumulator {
  return new DesignAccumulator({
    features: plan.features,
    columnIndex: plan.columnIndex,
    targetIndex: plan.targetIndex,
    folds: plan.folds,
    foldSeed: plan.foldSeed,
    ...(keep ? { keep } : {}),
  });
}

/** Trains the model the spec describes; see the file comment for the passes. */
export async function fitLinear(input: LinearFitInput): Promise<LinearFit> {
  const plan = planLinear(input.spec, input.data, input.features);
  const design = designAccumulator(plan);
  const visit = (batch: RowBatch): void => design.add(batch);
  if (input.firstPass) await input.firstPass(visit);
  else for await (const batch of input.read()) visit(batch);
  return fitFromDesign(
    input,
    plan,
    [{ state: design.toJSON(), medianValues: design.medianValues }],
    input.read,
  );
}

/**
 * The search and the final fit from the raw design of one or several parts of the rows (a
 * single run, or merged shards). Without `read` (shards), a search must be scored from the
 * factors (primary metric rmse or r2).
 */
export async function fitFromDesign(
  input: Pick<LinearFitInput, "spec" | "data" | "source">,
  plan: LinearPlan,
  parts: readonly DesignPart[],
  read?: () => AsyncIterable<RowBatch>,
): Promise<LinearFit> {
  const { trials, searching, folds, foldSeed, primary, intercept } = plan;
  const finished = finishDesign(parts, plan.features, {
    intercept,
    standardise: plan.standardise,
    source: input.source,
  });
  const { pipeline, warnings, missingTarget } = finished;
  const accumulators = finished.folds;
  const foldY = finished.foldTargets;
  const width = accumulators[0]!.width;
  const offset = intercept ? 1 : 0;
  if (finished.unscorable > 0)
    warnings.push(
      `${finished.unscorable} train rows were left out: a feature with \`impute: none\` was missing`,
    );
  const all = new QrAccumulator(width);
  for (const a of accumulators) all.merge(a);
  const trainingRows = all.rows;

  // 2. search
  const columnNames = input.data.columns.map((c) => c.name);
  const needsPass = rereadsRows(plan);
  if (needsPass && !read)
    throw new InputError({
      file: input.source,
      message: `a sharded search is scored from the fold factors, which give rmse and r2, not ${primary}`,
      hint: "set metrics.primary to rmse or r2 for the search, or train without shards",
    });
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
      : await scoreFoldsByPass(read!, {
          bound: bindPipeline(pipeline, columnNames),
          offset,
          width,
          targetIndex: plan.targetIndex,
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

  // 3. final fit on every train row
  const params = trials[chosen]!;
  const cols = trialColumns(pipeline, params, intercept);
  const { fit } = solveColumns(all.factor(), cols, penaltyFor(cols, params.alpha, intercept), names, {
    rankDeficient: "throw",
    file: input.source,
  });
  warnings.push(...fit.problems.map((p) => p.message));
  return {
    ...chosenModel(pipeline, params, fit),
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
  read: () => AsyncIterable<RowBatch>,
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
  for await (const batch of read()) {
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
