/**
 * Types and helpers shared by the metric modules (kept apart so `metrics.ts` and
 * `classification.ts` do not import each other).
 */
import type { MetricName } from "../project/schemas.js";

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

/**
 * The metric Σ w·num / Σ w·den over rows (den omitted: Σ w), then `finish`ed; NaN when the
 * denominator is 0. Most metrics are this with per-row values computed once when bound, so a
 * bootstrap resample costs two multiply-adds per row. Rows a metric leaves out have num = den = 0
 * (and must not hold NaN or infinities, which a zero weight would not cancel).
 */
export function weightedRatio(
  num: Float64Array,
  den: Float64Array | null,
  finish: (ratio: number) => number = (r) => r,
): PreparedMetric {
  const n = num.length;
  return (w) => {
    let top = 0;
    let bottom = 0;
    if (w === undefined) {
      for (let i = 0; i < n; i++) top += num[i]!;
      if (den === null) bottom = n;
      else for (let i = 0; i < n; i++) bottom += den[i]!;
    } else if (den === null) {
      for (let i = 0; i < n; i++) {
        const wi = w[i]!;
        top += wi * num[i]!;
        bottom += wi;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const wi = w[i]!;
        top += wi * num[i]!;
        bottom += wi * den[i]!;
      }
    }
    return bottom > 0 ? finish(top / bottom) : NaN;
  };
}

/** A per-row array computed from targets and predictions. */
export function perRow(
  actual: Float64Array,
  predicted: Float64Array,
  f: (a: number, p: number) => number,
): Float64Array {
  const out = new Float64Array(actual.length);
  for (let i = 0; i < out.length; i++) out[i] = f(actual[i]!, predicted[i]!);
  return out;
}
