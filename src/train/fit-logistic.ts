/**
 * Fitting a logistic regression (binary) with its search. Unlike least squares, IRLS needs the
 * rows several times, so the train side's design is held in memory: 8 bytes per term per train
 * row (1,000,000 rows × 20 terms is 160 MB). The statistics pass streams as for linear models.
 */
import { TRAIN, type RowBatch } from "../data/row-batch.js";
import { InputError } from "../errors.js";
import { metricDefinition } from "../evaluate/metrics.js";
import type { DataSpec, MetricName, ModelSpec } from "../project/schemas.js";
import { PipelineLearner, resolveFeatures } from "./feature-pipeline.js";
import { bindPipeline, termNames } from "../model/pipeline.js";
import {
  chooseTrial,
  finishPipeline,
  penaltyFor,
  chosenModel,
  trialColumns,
  type ModelFit,
  type TrialResult,
} from "./fit-common.js";
import { fitLogisticRegression, type LogisticFit } from "./least-squares/fit-logistic-regression.js";
import { foldOf, searchPlan } from "./search-space.js";
import { targetReader } from "./target.js";

export interface LogisticFitInput {
  spec: ModelSpec;
  data: DataSpec;
  features: string[];
  read: () => AsyncIterable<RowBatch>;
  source: string;
}

/** Trains a logistic regression as the spec describes. */
export async function fitLogistic(input: LogisticFitInput): Promise<ModelFit> {
  const { spec, data } = input;
  const algo = spec.algorithm;
  if (algo.type !== "logistic") throw new Error("fitLogistic needs algorithm.type logistic");
  const columns = data.columns;
  const columnNames = columns.map((c) => c.name);
  const targetIndex = columnNames.indexOf(spec.target);
  const target = targetReader(spec, columns[targetIndex]!, targetIndex);
  const intercept = algo.intercept;
  const standardise = spec.preprocessing.scale === "standard";
  const { trials, maxDegree, searching, folds, foldSeed } = searchPlan(spec, input.features);
  const primary: MetricName = spec.metrics.primary ?? "auc";

  // 1. statistics
  const learner = new PipelineLearner(resolveFeatures(spec, columns, maxDegree), columns);
  let missingTarget = 0;
  for await (const batch of input.read()) {
    const y = new Float64Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      y[i] = target(batch, i);
      if (Number.isNaN(y[i]!)) missingTarget++;
    }
    learner.add(batch, (i) => batch.side[i] === TRAIN && !Number.isNaN(y[i]!));
  }
  const { pipeline, warnings } = finishPipeline(learner, { intercept, standardise }, input.source);

  // 2. the train side's design, in memory
  const bound = bindPipeline(pipeline, columnNames);
  const offset = intercept ? 1 : 0;
  const width = offset + bound.width;
  let x: Float64Array = new Float64Array(1024 * width);
  let y: Float64Array = new Float64Array(1024);
  let fold: Uint8Array = new Uint8Array(1024);
  let n = 0;
  for await (const batch of input.read()) {
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TRAIN) continue;
      const t = target(batch, i);
      if (Number.isNaN(t) || bound.hasUnimputedMissing(batch, i)) continue;
      if (n === y.length) {
        x = grow(x, x.length * 2);
        y = grow(y, y.length * 2);
        fold = growBytes(fold, fold.length * 2);
      }
      if (intercept) x[n * width] = 1;
      bound.fill(batch, i, x, n * width + offset, true);
      y[n] = t;
      fold[n] = folds > 1 ? foldOf(batch.row[i]!, folds, foldSeed) : 0;
      n++;
    }
  }
  x = x.subarray(0, n * width);
  y = y.subarray(0, n);
  fold = fold.subarray(0, n);
  const positives = y.reduce((s, v) => s + v, 0);
  if (positives === 0 || positives === n)
    throw new InputError({
      file: input.source,
      field: spec.target,
      message: `every one of the ${n} train rows is ${positives === 0 ? "not " : ""}"${String(spec.positiveClass)}": there is only one class to learn`,
      hint: "check positiveClass against the target's values, or use more data",
    });
  const weights = classWeights(algo.classWeight, y, String(spec.positiveClass));
  const names = [...(intercept ? ["(intercept)"] : []), ...termNames(pipeline)];

  const fitOn = (
    rows: Uint32Array,
    cols: number[],
    alpha: number | null,
    rankDeficient: "drop" | "throw",
  ) => {
    const xs = new Float64Array(rows.length * cols.length);
    const ys = new Float64Array(rows.length);
    const ws = weights ? new Float64Array(rows.length) : undefined;
    rows.forEach((r, k) => {
      for (let c = 0; c < cols.length; c++) xs[k * cols.length + c] = x[r * width + cols[c]!]!;
      ys[k] = y[r]!;
      if (ws && weights) ws[k] = weights[r]!;
    });
    return fitLogisticRegression(xs, ys, {
      columnNames: cols.map((c) => names[c]!),
      penalty: penaltyFor(cols, alpha, intercept),
      ...(ws ? { weights: ws } : {}),
      maxIterations: algo.maxIterations,
      rankDeficient,
      file: input.source,
    });
  };
  const predict = (fit: LogisticFit, cols: number[], r: number) => {
    let eta = 0;
    for (let c = 0; c < cols.length; c++) eta += fit.coefficients[c]! * x[r * width + cols[c]!]!;
    return 1 / (1 + Math.exp(-eta));
  };

  // 3. search by k-fold cross-validation on the train side
  const definition = metricDefinition(primary);
  const results: TrialResult[] = trials.map((params) => {
    if (!searching) return { params, score: null, foldScores: [] };
    const cols = trialColumns(pipeline, params, intercept);
    const foldScores = Array.from({ length: folds }, (_, f) => {
      const trainRows = rowsWhere(fold, (g) => g !== f);
      const heldRows = rowsWhere(fold, (g) => g === f);
      if (heldRows.length === 0 || trainRows.length === 0) return null;
      let fit: LogisticFit;
      try {
        fit = fitOn(trainRows, cols, params.alpha, "drop");
      } catch (e) {
        if (e instanceof InputError) return null; // e.g. separable within a fold: no score
        throw e;
      }
      const actual = Float64Array.from(heldRows, (r) => y[r]!);
      const predicted = Float64Array.from(heldRows, (r) => predict(fit, cols, r));
      const v = definition.prepare(actual, predicted, { threshold: algo.threshold })();
      return Number.isNaN(v) ? null : v;
    });
    const defined = foldScores.filter((s): s is number => s !== null);
    return {
      params,
      score: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
      foldScores,
    };
  });
  const chosen = chooseTrial(results, definition.higherIsBetter);

  // 4. final fit
  const params = trials[chosen]!;
  const cols = trialColumns(pipeline, params, intercept);
  const fit = fitOn(
    rowsWhere(fold, () => true),
    cols,
    params.alpha,
    "throw",
  );
  warnings.push(...fit.problems.map((p) => p.message));
  if (!fit.converged) warnings.push(`logistic regression did not converge in ${fit.iterations} iterations`);
  return {
    ...chosenModel(pipeline, params, fit),
    trainingRows: n,
    missingTarget,
    trials: results,
    chosen,
    searchMetric: primary,
    folds: searching ? folds : 0,
    warnings,
  };
}

/** Per-row weights from `classWeight`: "balanced" gives each class half the total weight. */
function classWeights(
  spec: "balanced" | Record<string, number> | undefined,
  y: Float64Array,
  positiveName: string,
): Float64Array | undefined {
  if (!spec) return undefined;
  const n = y.length;
  const positives = y.reduce((s, v) => s + v, 0);
  let wPos: number;
  let wNeg: number;
  if (spec === "balanced") {
    wPos = n / (2 * positives);
    wNeg = n / (2 * (n - positives));
  } else {
    wPos = spec[positiveName] ?? 1;
    const others = Object.entries(spec).filter(([k]) => k !== positiveName);
    wNeg = others.length === 1 ? others[0]![1] : 1;
  }
  return Float64Array.from(y, (v) => (v === 1 ? wPos : wNeg));
}

function rowsWhere(fold: Uint8Array, keep: (f: number) => boolean): Uint32Array {
  let count = 0;
  for (let i = 0; i < fold.length; i++) if (keep(fold[i]!)) count++;
  const out = new Uint32Array(count);
  let k = 0;
  for (let i = 0; i < fold.length; i++) if (keep(fold[i]!)) out[k++] = i;
  return out;
}

function grow(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

function growBytes(a: Uint8Array, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}
