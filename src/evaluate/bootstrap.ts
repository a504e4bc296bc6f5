/**
 * Seeded bootstrap: percentile intervals for any metric, and the paired bootstrap of a
 * difference between two models scored on the same rows.
 *
 * Intervals use the Poisson bootstrap (Hanley & MacGibbon 2006; Chamandy et al. 2012, the
 * scheme of Google's streaming analyses): in each resample every row gets an independent
 * weight w ~ Poisson(1), its multiplicity. It is the large-sample equivalent of drawing n rows
 * with replacement (the multinomial bootstrap, whose weights are Multinomial(n, 1/n) and so
 * nearly independent Poisson(1) for large n), with two properties a bootstrap over hundreds of
 * thousands of test rows needs: weights are drawn in row order (one sequential pass, no random
 * writes), and a row's weight in a resample is a function of (seed, resample, row) alone, so
 * shards of the rows can be resampled apart and their sums added.
 *
 * The generator is pinned so anyone can reproduce an interval from (seed, rows, samples):
 * mulberry32 (Tommy Ettinger's 32-bit-state generator; state += 0x6D2B79F5, then a
 * xorshift-multiply output mix; period 2^32). Each 32-bit output gives two weights: its low 16
 * bits row 2k's, its high 16 bits row 2k+1's, each as the Poisson(1) quantile of
 * (v + 1/2) / 2^16 (so each weight's probabilities are exact to 2^-16). Resample b reads outputs
 * b·⌈n/2⌉ to (b+1)·⌈n/2⌉ - 1 of the one stream seeded with `seed`; the stream repeats after 2^32
 * outputs, i.e. beyond 8.5 billion row weights (8.5M test rows at 1000 resamples).
 *
 * A resample is passed to metrics as multiplicity weights (see `metrics.ts`), so no data is
 * copied. Metrics that are functions of sums and maxima over rows (every metric but AUC and
 * KS) say so (`rowReductionOf`); those are gathered for every resample one block of rows at a
 * time, which needs memory for one block only and lets shards of rows be resampled apart. AUC
 * and KS are evaluated on each resample's full weight vector (one vector, reused), over one
 * ranking of the scores that both share.
 * Resamples where a metric is undefined (a resample with no positive row, say) are left out of
 * that metric's interval.
 *
 * {@link forEachResample} keeps the multinomial scheme (exactly n rows drawn per resample) for
 * callers that want it, with the same generator.
 */
import type { MetricName } from "../project/schemas.js";
import type { MetricOptions, PreparedMetric } from "./metric-types.js";
import { checkLengths } from "./metric-types.js";
import { metricDefinition } from "./metrics.js";
import {
  resampleStatistics,
  resampleStatisticsInParallel,
  type ParallelOptions,
} from "./resample-statistics.js";

export {
  BOOTSTRAP_GENERATOR,
  POISSON_WEIGHTS,
  createRandom,
  forEachPoissonResample,
  forEachResample,
  type Random,
  type ResampleOptions,
} from "./resample-weights.js";
export {
  PARALLEL_BOOTSTRAP_MIN,
  bootstrapWorkerStarter,
  reduceRequestedResamples,
  startBootstrapWorker,
  type ParallelOptions,
} from "./resample-statistics.js";

/** How many resamples, from which seed, and the confidence of the intervals. */
export interface BootstrapOptions {
  /** Resamples to draw; 0 turns intervals off. */
  samples: number;
  seed: number;
  /** Coverage of the interval, e.g. 0.95. */
  confidence: number;
}

/** The model spec's defaults: 1000 resamples, seed 7, 95%. */
export const DEFAULT_BOOTSTRAP: Readonly<BootstrapOptions> = { samples: 1000, seed: 7, confidence: 0.95 };

/** A percentile bootstrap interval (its confidence is the one asked for in `BootstrapOptions`). */
export interface Interval {
  lower: number;
  upper: number;
}

/** The q-quantile (0..1) of sorted values, interpolating linearly between order statistics (R's type 7). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) return NaN;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, m - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (h - lo) * (b - a);
}

/** The central `confidence` interval of bootstrap values (NaN values left out); null if none is defined. */
export function percentileInterval(values: ArrayLike<number>, confidence: number): Interval | null {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), not ${confidence}`);
  const defined: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) defined.push(values[i]!);
  if (defined.length === 0) return null;
  const sorted = Float64Array.from(defined).sort();
  const alpha = 1 - confidence;
  return { lower: quantileOfSorted(sorted, alpha / 2), upper: quantileOfSorted(sorted, 1 - alpha / 2) };
}

/**
 * Percentile intervals of several statistics of the same rows, all evaluated on the same
 * resamples. Each statistic maps row weights to a value (NaN where undefined). With 0 samples
 * every interval is null.
 */
export function bootstrapIntervals(
  rows: number,
  statistics: Readonly<Record<string, PreparedMetric>>,
  options: BootstrapOptions,
): Record<string, Interval | null> {
  const names = Object.keys(statistics);
  const draws = resampleStatistics(
    rows,
    names.map((name) => statistics[name]!),
    options,
  );
  const out: Record<string, Interval | null> = {};
  names.forEach((name, j) => {
    out[name] = options.samples > 0 ? percentileInterval(draws[j]!, options.confidence) : null;
  });
  return out;
}

/** A metric's value on the test rows with its bootstrap interval. */
export interface MetricEstimate {
  /** Null when the metric is undefined on these rows (see `reason`). */
  value: number | null;
  ci: Interval | null;
  /** Rows the value leaves out (mape: targets too close to zero). */
  excluded?: number;
  reason?: string;
}

/**
 * Every named metric on the test rows with a percentile bootstrap interval; all metrics share
 * the same resamples.
 */
export function evaluateWithIntervals(
  names: readonly MetricName[],
  actual: Float64Array,
  predicted: Float64Array,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  metricOptions?: MetricOptions,
): Record<string, MetricEstimate> {
  checkLengths(actual, predicted);
  const prepared = names.map((name) => metricDefinition(name).prepare(actual, predicted, metricOptions));
  const draws = resampleStatistics(actual.length, prepared, bootstrap);
  return estimates(names, actual, predicted, prepared, draws, bootstrap, metricOptions);
}

/**
 * {@link evaluateWithIntervals} with the resamples shared with a worker thread when there are
 * many (see {@link ParallelOptions}): the same estimates, bit for bit.
 */
export async function evaluateWithIntervalsInParallel(
  names: readonly MetricName[],
  actual: Float64Array,
  predicted: Float64Array,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  metricOptions?: MetricOptions,
  parallel: ParallelOptions = {},
): Promise<Record<string, MetricEstimate>> {
  checkLengths(actual, predicted);
  const prepared = names.map((name) => metricDefinition(name).prepare(actual, predicted, metricOptions));
  const draws = await resampleStatisticsInParallel(
    actual.length,
    prepared,
    {
      actual,
      predicted: [predicted],
      statistics: names.map((name) => [name, 0]),
      ...(metricOptions === undefined ? {} : { metricOptions }),
    },
    bootstrap,
    parallel,
  );
  return estimates(names, actual, predicted, prepared, draws, bootstrap, metricOptions);
}

function estimates(
  names: readonly MetricName[],
  actual: Float64Array,
  predicted: Float64Array,
  prepared: readonly PreparedMetric[],
  draws: readonly Float64Array[],
  bootstrap: BootstrapOptions,
  metricOptions: MetricOptions | undefined,
): Record<string, MetricEstimate> {
  const out: Record<string, MetricEstimate> = {};
  names.forEach((name, j) => {
    const value = prepared[j]!();
    const note = metricDefinition(name).explain(actual, predicted, undefined, metricOptions);
    const estimate: MetricEstimate = { value: Number.isNaN(value) ? null : value, ci: null, ...note };
    if (estimate.value === null) estimate.reason ??= "the metric is undefined on these rows";
    else estimate.ci = bootstrap.samples > 0 ? percentileInterval(draws[j]!, bootstrap.confidence) : null;
    out[name] = estimate;
  });
  return out;
}

/** Challenger minus champion on the same rows, with a paired bootstrap interval. */
export interface PairedDifference {
  champion: number | null;
  challenger: number | null;
  /** challenger - champion; null if either is undefined. */
  difference: number | null;
  /** difference / |champion|; null if the champion's value is 0 or undefined. */
  relativeChange: number | null;
  /** Interval of the difference, both models evaluated on each resample's same rows. */
  ci: Interval | null;
  /** Interval of the relative change, from the same resamples. */
  relativeCi: Interval | null;
  /** Whether `ci` excludes zero; null without an interval. */
  significant: boolean | null;
}

/**
 * The paired bootstrap of challenger - champion: each resample picks rows once and both
 * prepared metrics (bound to the same actual values, each model's own predictions) are
 * evaluated on them, so row-to-row variation common to both models cancels out.
 */
export function pairedBootstrap(
  rows: number,
  champion: PreparedMetric,
  challenger: PreparedMetric,
  options: BootstrapOptions,
): PairedDifference {
  return pairedBootstraps(rows, { metric: [champion, challenger] }, options).metric!;
}

/**
 * `pairedBootstrap` for several metrics at once, all on the same resamples (one set of draws):
 * name -> [champion, challenger].
 */
export function pairedBootstraps(
  rows: number,
  pairs: Readonly<Record<string, readonly [champion: PreparedMetric, challenger: PreparedMetric]>>,
  options: BootstrapOptions,
): Record<string, PairedDifference> {
  const names = Object.keys(pairs);
  const points = names.map((name) => {
    const [champion, challenger] = pairs[name]!;
    const c0 = champion();
    const c1 = challenger();
    return { c0, c1, defined: !Number.isNaN(c0) && !Number.isNaN(c1) };
  });
  const sampled = names.filter((_, j) => points[j]!.defined);
  const drawsOf = new Map<string, PairedDraws>();
  if (sampled.length > 0 && options.samples > 0) {
    const draws = resampleStatistics(
      rows,
      sampled.flatMap((name) => pairs[name]!),
      options,
    );
    sampled.forEach((name, k) =>
      drawsOf.set(name, { champion: draws[2 * k]!, challenger: draws[2 * k + 1]! }),
    );
  }
  const out: Record<string, PairedDifference> = {};
  names.forEach((name, j) => {
    const { c0, c1 } = points[j]!;
    out[name] = pairedDifference(c0, c1, drawsOf.get(name), options.confidence);
  });
  return out;
}

/** Both models' values of one metric on each resample (the same rows for both). */
export interface PairedDraws {
  champion: ArrayLike<number>;
  challenger: ArrayLike<number>;
}

/**
 * Challenger minus champion from their point values (NaN where undefined), with intervals from
 * their values on each resample: `draws`, undefined without resamples. Used by the single run and
 * by the merge of shards, so that both report the same differences.
 */
export function pairedDifference(
  c0: number,
  c1: number,
  draws: PairedDraws | undefined,
  confidence: number,
): PairedDifference {
  const defined = !Number.isNaN(c0) && !Number.isNaN(c1);
  const relativeChange = defined && c0 !== 0 ? (c1 - c0) / Math.abs(c0) : null;
  let ci: Interval | null = null;
  let relativeCi: Interval | null = null;
  if (defined && draws !== undefined && draws.champion.length > 0) {
    const samples = draws.champion.length;
    const diff = new Float64Array(samples);
    const rel = new Float64Array(samples);
    for (let b = 0; b < samples; b++) {
      const a = draws.champion[b]!;
      diff[b] = draws.challenger[b]! - a;
      rel[b] = a !== 0 ? diff[b]! / Math.abs(a) : NaN;
    }
    ci = percentileInterval(diff, confidence);
    if (relativeChange !== null) relativeCi = percentileInterval(rel, confidence);
  }
  return {
    champion: Number.isNaN(c0) ? null : c0,
    challenger: Number.isNaN(c1) ? null : c1,
    difference: defined ? c1 - c0 : null,
    relativeChange,
    ci,
    relativeCi,
    significant: ci === null ? null : ci.lower > 0 || ci.upper < 0,
  };
}
