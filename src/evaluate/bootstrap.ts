/**
 * Seeded bootstrap: percentile intervals for any metric, and the paired bootstrap of a
 * difference between two models scored on the same rows.
 *
 * The generator is pinned so anyone can reproduce an interval from (seed, rows, samples):
 * mulberry32 (Tommy Ettinger's 32-bit-state generator; state += 0x6D2B79F5, then a
 * xorshift-multiply output mix; period 2^32). A row is drawn as floor(u * rows) with u the
 * output divided by 2^32; its bias, at most rows / 2^32, is far below bootstrap noise.
 * Resample b draws its `rows` rows from the one stream, in order, after resamples 0..b-1.
 *
 * A resample is passed to metrics as multiplicity weights (see `metrics.ts`), so no data is
 * copied. Resamples where a metric is undefined (a resample with no positive row, say) are left
 * out of that metric's interval.
 */
import type { MetricName } from "../spec/schemas.js";
import type { MetricOptions, PreparedMetric } from "./metric-types.js";
import { checkLengths } from "./metric-types.js";
import { metricDefinition } from "./metrics.js";

/** Name of the pinned generator, for reports. */
export const BOOTSTRAP_GENERATOR = "mulberry32";

/** A seeded stream of uniform numbers. */
export interface Random {
  /** The next 32-bit output, 0 .. 2^32 - 1. */
  nextUint32(): number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in 0 .. n - 1. */
  nextInt(n: number): number;
}

/** mulberry32 seeded with `seed` (an integer; reduced modulo 2^32). */
export function createRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    nextUint32,
    next: () => nextUint32() / 4294967296,
    nextInt: (n) => Math.floor((nextUint32() / 4294967296) * n),
  };
}

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

/**
 * Calls `visit` with the multiplicity weights of each resample of `rows` rows, in order. The
 * weights array is reused between calls: read it during the call, do not keep it.
 */
export function forEachResample(
  rows: number,
  options: Pick<BootstrapOptions, "samples" | "seed">,
  visit: (weights: Float64Array, sample: number) => void,
): void {
  if (!(Number.isInteger(options.samples) && options.samples >= 0))
    throw new Error(`bootstrap samples must be a non-negative integer, not ${options.samples}`);
  // mulberry32 inlined (the same stream as createRandom): the draws dominate a bootstrap's time.
  let state = Math.trunc(options.seed) >>> 0;
  const weights = new Float64Array(rows);
  for (let b = 0; b < options.samples; b++) {
    weights.fill(0);
    for (let k = 0; k < rows; k++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      weights[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * rows)]! += 1;
    }
    visit(weights, b);
  }
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
  const draws = names.map(() => new Float64Array(options.samples));
  forEachResample(rows, options, (w, b) => {
    names.forEach((name, j) => {
      draws[j]![b] = statistics[name]!(w);
    });
  });
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
  const prepared: Record<string, PreparedMetric> = {};
  for (const name of names) prepared[name] = metricDefinition(name).prepare(actual, predicted, metricOptions);
  const intervals = bootstrapIntervals(actual.length, prepared, bootstrap);
  const out: Record<string, MetricEstimate> = {};
  for (const name of names) {
    const value = prepared[name]!();
    const note = metricDefinition(name).explain(actual, predicted, undefined, metricOptions);
    const estimate: MetricEstimate = { value: Number.isNaN(value) ? null : value, ci: null, ...note };
    if (estimate.value === null) estimate.reason ??= "the metric is undefined on these rows";
    else estimate.ci = intervals[name] ?? null;
    out[name] = estimate;
  }
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
  const diffs = new Map(sampled.map((name) => [name, new Float64Array(options.samples)]));
  const rels = new Map(sampled.map((name) => [name, new Float64Array(options.samples)]));
  if (sampled.length > 0 && options.samples > 0)
    forEachResample(rows, options, (w, b) => {
      for (const name of sampled) {
        const [champion, challenger] = pairs[name]!;
        const a = champion(w);
        const d = challenger(w) - a;
        diffs.get(name)![b] = d;
        rels.get(name)![b] = a !== 0 ? d / Math.abs(a) : NaN;
      }
    });
  const out: Record<string, PairedDifference> = {};
  names.forEach((name, j) => {
    const { c0, c1, defined } = points[j]!;
    const relativeChange = defined && c0 !== 0 ? (c1 - c0) / Math.abs(c0) : null;
    const ci =
      defined && options.samples > 0 ? percentileInterval(diffs.get(name)!, options.confidence) : null;
    out[name] = {
      champion: Number.isNaN(c0) ? null : c0,
      challenger: Number.isNaN(c1) ? null : c1,
      difference: defined ? c1 - c0 : null,
      relativeChange,
      ci,
      relativeCi:
        relativeChange !== null && options.samples > 0
          ? percentileInterval(rels.get(name)!, options.confidence)
          : null,
      significant: ci === null ? null : ci.lower > 0 || ci.upper < 0,
    };
  });
  return out;
}
