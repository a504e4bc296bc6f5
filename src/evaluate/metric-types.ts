/**
 * Types and helpers shared by the metric modules (kept apart so `metrics.ts` and
 * `classification.ts` do not import each other).
 */
import type { MetricName } from "../spec/schemas.js";

/** Multiplicity (or any non-negative weight) of each row; `undefined` means every row once. */
export type RowWeights = Float64Array | undefined;

/** Options some metrics need. Every field has a default. */
export interface MetricOptions {
  /** Classification: probability at or above which a row is predicted positive. Default 0.5. */
  threshold?: number;
  /** mape: rows whose |actual| is below this are left out (and counted). Default 1e-9. */
  mapeEpsilon?: number;
  /** log_loss: probabilities are clipped to [eps, 1 - eps]. Default 1e-15. */
  logLossEpsilon?: number;
}

/** A metric bound to one data set: its value under row weights; NaN where it is undefined. */
export type PreparedMetric = (weights?: RowWeights) => number;

/** One metric of the catalogue. */
export interface MetricDefinition {
  name: MetricName;
  /** How people write it: "RMSE", "ROC AUC". */
  label: string;
  higherIsBetter: boolean;
  task: "regression" | "classification";
  /** Binds the metric to `actual` and `predicted` (not copied; do not change them afterwards). */
  prepare(actual: Float64Array, predicted: Float64Array, options?: MetricOptions): PreparedMetric;
  /** Why the metric is undefined on these rows, when it is (NaN from `prepare`). */
  explain(
    actual: Float64Array,
    predicted: Float64Array,
    weights: RowWeights,
    options?: MetricOptions,
  ): MetricNote;
}

/** What a metric value leaves out or why it has none. */
export interface MetricNote {
  /** Rows left out of the value (mape: targets too close to zero). */
  excluded?: number;
  /** Why there is no value, in plain words. */
  reason?: string;
}

/** A metric's value with what it left out; `value` is null when the metric is undefined. */
export interface MetricValue extends MetricNote {
  value: number | null;
}

/** Default of `MetricOptions.mapeEpsilon`. */
export const DEFAULT_MAPE_EPSILON = 1e-9;

/** Checks lengths, which would otherwise silently read `undefined` as NaN. */
export function checkLengths(actual: Float64Array, predicted: Float64Array, weights?: RowWeights): void {
  if (actual.length !== predicted.length)
    throw new Error(`metric inputs differ in length: ${actual.length} actual, ${predicted.length} predicted`);
  if (weights !== undefined && weights.length !== actual.length)
    throw new Error(`row weights have length ${weights.length}, expected ${actual.length}`);
}

/** Sum of weights: the number of rows a (resampled) set holds. */
export function totalWeight(n: number, weights: RowWeights): number {
  if (weights === undefined) return n;
  let s = 0;
  for (let i = 0; i < n; i++) s += weights[i]!;
  return s;
}
