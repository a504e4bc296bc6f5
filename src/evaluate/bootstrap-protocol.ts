/**
 * What a bootstrap gathered in a worker thread and its caller exchange (bootstrap-in-worker.ts on
 * the calling thread, bootstrap-worker.ts in the worker, bootstrap.ts asking): the request for a
 * range of resamples and the reductions that come back. Every side imports this file.
 */
import type { MetricName } from "../project/schemas.js";
import type { MetricOptions } from "./metric-types.js";

/**
 * What a second thread needs to gather some resamples' reductions itself: the rows' actual
 * values and predictions, and which metric of which predictions each statistic is, in order.
 */
export interface ResampleRequest {
  rows: number;
  seed: number;
  from: number;
  to: number;
  actual: Float64Array;
  predicted: Float64Array[];
  /** Per statistic: its metric and the index of its predictions in `predicted`. */
  statistics: [MetricName, number][];
  metricOptions?: MetricOptions;
}

/**
 * The row reductions of resamples `from` .. `to` - 1: per resample its channel sums (S per
 * resample), maxima (M per resample) and Σ w. A resample's numbers do not depend on which other
 * resamples are gathered with it, so ranges gathered apart (on two threads) are bit for bit
 * those of one gathering.
 */
export interface ResampleReductions {
  from: number;
  to: number;
  sums: Float64Array;
  maxima: Float64Array;
  totals: Float64Array;
}
