/**
 * Metrics as reductions over rows: what the bootstrap gathers block by block for every resample
 * (resample-statistics.ts) instead of calling a metric with each resample's full weight vector.
 * Shared by the regression metrics (metrics.ts) and the classification metrics
 * (classification.ts), which do not import each other.
 */
import type { PreparedMetric } from "./metric-types.js";

/**
 * Per-row values a bootstrap gathers block by block: `fill` writes rows [start, end) into `out`.
 * Computed from the metric's inputs on demand, so a metric holds no per-row array of its own.
 */
export interface RowChannel {
  fill(start: number, end: number, out: Float64Array): void;
}

/**
 * A metric as a function of per-resample reductions over rows: Σ w·c for each channel in
 * `sums`, the largest c among rows of positive weight for each channel in `maxima`, and Σ w.
 * Such reductions add up (or take the larger) block by block and shard by shard, which lets the
 * bootstrap run every resample over one cache-sized block of rows at a time.
 */
export interface RowReduction {
  sums: readonly RowChannel[];
  maxima: readonly RowChannel[];
  /**
   * Whether the sums must be added row by row in row order across blocks (one running sum per
   * resample, bit for bit the metric's own loop over the rows under the same weights), rather
   * than block by block (each block's sum added to the total). Needed where the metric's value
   * under weights is defined by that loop and its channels are not whole numbers, whose sums do
   * not depend on the order.
   */
  inOrder?: boolean;
  /** The metric from the reductions (in channel order) and Σ w; NaN where undefined. */
  finish(sums: Float64Array, maxima: Float64Array, total: number): number;
}

const reductions = new WeakMap<PreparedMetric, RowReduction>();

/** How a prepared metric reduces over rows, when it does. */
export function rowReductionOf(metric: PreparedMetric): RowReduction | undefined {
  return reductions.get(metric);
}

/** Records how `metric` reduces over rows; returns it. */
export function withReduction(metric: PreparedMetric, reduction: RowReduction): PreparedMetric {
  reductions.set(metric, reduction);
  return metric;
}

/** A value per row from its target and prediction. */
export type RowFunction = (a: number, p: number) => number;

// One channel object per (actual, predicted, function), so metrics bound to the same rows share
// their sums in a bootstrap (rmse and r2 both need Σ w·(a - p)²).
const channelCache = new WeakMap<
  Float64Array,
  Map<RowFunction, { actual: Float64Array; channel: RowChannel }>
>();

/** The channel of `f` over the rows (shared by every metric that asks for the same one). */
export function channelOf(actual: Float64Array, predicted: Float64Array, f: RowFunction): RowChannel {
  let byFunction = channelCache.get(predicted);
  if (byFunction === undefined) channelCache.set(predicted, (byFunction = new Map()));
  const hit = byFunction.get(f);
  if (hit !== undefined && hit.actual === actual) return hit.channel;
  const channel = rowChannel(actual, predicted, f);
  byFunction.set(f, { actual, channel });
  return channel;
}

/** The channel of `f` over the rows, of its own (for a function made for one metric). */
export function rowChannel(actual: Float64Array, predicted: Float64Array, f: RowFunction): RowChannel {
  return {
    fill(start, end, out) {
      for (let i = start; i < end; i++) out[i - start] = f(actual[i]!, predicted[i]!);
    },
  };
}

/**
 * Σ w·f(a, p) / Σ w·g(a, p) (g null: Σ w) over all rows or under weights, in row order, then
 * `finish`ed; NaN for a zero denominator. The per-row values are computed as the rows are read:
 * nothing per row is kept.
 */
export function rowRatio(
  actual: Float64Array,
  predicted: Float64Array,
  f: RowFunction,
  g: RowFunction | null,
  finish: (r: number) => number = (r) => r,
): PreparedMetric {
  const n = actual.length;
  return (w) => {
    let top = 0;
    let bottom = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === undefined ? 1 : w[i]!;
      const a = actual[i]!;
      const p = predicted[i]!;
      top += wi * f(a, p);
      bottom += g === null ? wi : wi * g(a, p);
    }
    return bottom > 0 ? finish(top / bottom) : NaN;
  };
}
