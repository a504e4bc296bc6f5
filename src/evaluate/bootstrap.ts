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
 * copied. Metrics that are functions of sums and maxima over rows (rmse, mae, mape, r2,
 * max_error) say so (`rowReductionOf`); those are gathered for every resample one block of rows
 * at a time, which needs memory for one block only and lets shards of rows be resampled apart.
 * Resamples where a metric is undefined (a resample with no positive row, say) are left out of
 * that metric's interval.
 *
 * {@link forEachResample} keeps the multinomial scheme (exactly n rows drawn per resample) for
 * callers that want it, with the same generator.
 */
import { mulberry32 } from "../random.js";
import type { MetricName } from "../project/schemas.js";
import { existsSync } from "node:fs";
import type { BootstrapWorker } from "./bootstrap-in-worker.js";
import type { MetricOptions, PreparedMetric } from "./metric-types.js";
import { checkLengths } from "./metric-types.js";
import { KERNEL_CHANNELS, resampleSums } from "./bootstrap-sums.js";
import { metricDefinition, rowReductionOf, type RowChannel, type RowReduction } from "./metrics.js";

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
  const nextUint32 = mulberry32(seed);
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
 * Calls `visit` with the multiplicity weights of each multinomial resample of `rows` rows (each
 * draws exactly `rows` rows with replacement from the generator's stream, in order). The
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

/**
 * Poisson(1) weight of each 16-bit uniform v: the smallest k with P(W ≤ k) > (v + 1/2) / 2^16.
 */
export const POISSON_WEIGHTS: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  let k = 0;
  let p = Math.exp(-1);
  let cdf = p;
  for (let v = 0; v < 65536; v++) {
    const u = (v + 0.5) / 65536;
    while (u >= cdf) {
      k++;
      p /= k;
      cdf += p;
    }
    table[v] = k;
  }
  return table;
})();

/**
 * Calls `visit` with the Poisson(1) weights of each resample of `rows` rows (see the file
 * comment) and their sum. The weights array is reused between calls: read it during the call,
 * do not keep it.
 */
export function forEachPoissonResample(
  rows: number,
  options: Pick<BootstrapOptions, "samples" | "seed">,
  visit: (weights: Float64Array, sample: number, total: number) => void,
): void {
  if (!(Number.isInteger(options.samples) && options.samples >= 0))
    throw new Error(`bootstrap samples must be a non-negative integer, not ${options.samples}`);
  const table = POISSON_WEIGHTS;
  let state = Math.trunc(options.seed) >>> 0;
  const weights = new Float64Array(rows);
  const even = rows & ~1;
  for (let b = 0; b < options.samples; b++) {
    let total = 0;
    for (let i = 0; i < even; i += 2) {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t ^= t >>> 14;
      const lo = table[t & 0xffff]!;
      const hi = table[t >>> 16]!;
      weights[i] = lo;
      weights[i + 1] = hi;
      total += lo + hi;
    }
    if (even < rows) {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t ^= t >>> 14;
      const lo = table[t & 0xffff]!;
      weights[even] = lo;
      total += lo;
    }
    visit(weights, b, total);
  }
}

/** Rows per block of the bootstrap: a block's channels stay in cache across all resamples. */
const BLOCK_ROWS = 2048;

/**
 * The generator state from which resample b draws the weights of rows start, start + 1, ...
 * (start even): mulberry32's state after k outputs is seed + k · 0x6D2B79F5 (mod 2^32).
 */
function resampleState(seed: number, b: number, half: number, start: number): number {
  const k = (b * half + start / 2) % 4294967296;
  return ((seed >>> 0) + Math.imul(k | 0, 0x6d2b79f5)) | 0;
}

/**
 * Adds Σ w · channel for `width` (1 to 4) channels interleaved in `data` (row i's at
 * width·i ..) to `out[at ..]`. A few sums per pass over the weights keep the loop in
 * registers; one loop per width wastes no work on padding.
 */
function addWeightedSums(
  data: Float64Array,
  width: number,
  w: Float64Array,
  rows: number,
  out: Float64Array,
  at: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  if (width === 4) {
    for (let i = 0, o = 0; i < rows; i++, o += 4) {
      const wi = w[i]!;
      s0 += wi * data[o]!;
      s1 += wi * data[o + 1]!;
      s2 += wi * data[o + 2]!;
      s3 += wi * data[o + 3]!;
    }
  } else if (width === 3) {
    for (let i = 0, o = 0; i < rows; i++, o += 3) {
      const wi = w[i]!;
      s0 += wi * data[o]!;
      s1 += wi * data[o + 1]!;
      s2 += wi * data[o + 2]!;
    }
  } else if (width === 2) {
    for (let i = 0, o = 0; i < rows; i++, o += 2) {
      const wi = w[i]!;
      s0 += wi * data[o]!;
      s1 += wi * data[o + 1]!;
    }
  } else {
    for (let i = 0; i < rows; i++) s0 += w[i]! * data[i]!;
  }
  out[at] = out[at]! + s0;
  if (width > 1) out[at + 1] = out[at + 1]! + s1;
  if (width > 2) out[at + 2] = out[at + 2]! + s2;
  if (width > 3) out[at + 3] = out[at + 3]! + s3;
}

/** Which row channels the row-reducing statistics sum and maximise, and where each statistic reads them. */
interface ReductionPlan {
  reductions: (RowReduction | undefined)[];
  slots: ({ sums: Int32Array; maxima: Int32Array } | null)[];
  sumChannels: RowChannel[];
  maxChannels: RowChannel[];
}

function planReductions(statistics: readonly PreparedMetric[]): ReductionPlan {
  const reductions = statistics.map((s) => rowReductionOf(s));
  const sumIndex = new Map<RowChannel, number>();
  const maxIndex = new Map<RowChannel, number>();
  const indexOf = (map: Map<RowChannel, number>, c: RowChannel): number => {
    let k = map.get(c);
    if (k === undefined) map.set(c, (k = map.size));
    return k;
  };
  const slots = reductions.map((r) =>
    r === undefined
      ? null
      : {
          sums: Int32Array.from(r.sums, (c) => indexOf(sumIndex, c)),
          maxima: Int32Array.from(r.maxima, (c) => indexOf(maxIndex, c)),
        },
  );
  return { reductions, slots, sumChannels: [...sumIndex.keys()], maxChannels: [...maxIndex.keys()] };
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

/**
 * Gathers the reductions block by block: for each block of rows, the channels are filled once
 * and every resample's weights for the block are drawn and folded in, so memory holds one block
 * whatever the row count and the block stays in cache.
 */
function reduceResamples(
  rows: number,
  plan: ReductionPlan,
  seedOption: number,
  from: number,
  to: number,
): ResampleReductions {
  const { sumChannels, maxChannels } = plan;
  const S = sumChannels.length;
  const M = maxChannels.length;
  const count = Math.max(0, to - from);
  const sums = new Float64Array(count * S);
  const maxima = new Float64Array(count * M).fill(-Infinity);
  const totals = new Float64Array(count);
  const out = { from, to, sums, maxima, totals };
  if (S + M === 0 || count === 0) return out;
  const seed = Math.trunc(seedOption);
  const half = Math.ceil(rows / 2);
  // The first up to 8 channels are summed in the loop that draws the weights (WebAssembly, see
  // bootstrap-sums.ts); any further ones in groups of up to 4 from the weights.
  const lead = Math.min(S, KERNEL_CHANNELS);
  const kernel = resampleSums(POISSON_WEIGHTS, lead, BLOCK_ROWS, S, count);
  const leadData = kernel.data;
  const w = kernel.w;
  const kernelSums = kernel.sums;
  const groups = [];
  for (let g = lead; g < S; g += 4) {
    const width = Math.min(4, S - g);
    groups.push({ width, at: g, data: new Float64Array(BLOCK_ROWS * width) });
  }
  const column = new Float64Array(BLOCK_ROWS);
  const maxValues = maxChannels.map(() => new Float64Array(BLOCK_ROWS));
  const maxOrder = maxChannels.map(() => new Uint16Array(BLOCK_ROWS));
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const m = Math.min(BLOCK_ROWS, rows - start);
    for (let k = 0; k < lead; k++) {
      sumChannels[k]!.fill(start, start + m, column);
      for (let i = 0; i < m; i++) leadData[lead * i + k] = column[i]!;
    }
    for (const g of groups)
      for (let k = 0; k < g.width; k++) {
        sumChannels[g.at + k]!.fill(start, start + m, column);
        for (let i = 0; i < m; i++) g.data[g.width * i + k] = column[i]!;
      }
    for (let k = 0; k < M; k++) {
      const values = maxValues[k]!;
      maxChannels[k]!.fill(start, start + m, values);
      // Rows by value, largest first: a resample's largest is that of the first row it holds,
      // found after about 1.6 rows (a row is left out of a resample with odds 1/e).
      const order = maxOrder[k]!.subarray(0, m);
      for (let i = 0; i < m; i++) order[i] = i;
      // Compared to small integers, not a difference of doubles, which sort would box each time.
      order.sort((x, y) => (values[y]! > values[x]! ? 1 : values[y]! < values[x]! ? -1 : x - y));
    }
    for (let b = from, c = 0; b < to; b++, c++) {
      totals[c] = totals[c]! + kernel.draw(resampleState(seed, b, half, start), m, c);
      for (const g of groups) addWeightedSums(g.data, g.width, w, m, kernelSums, c * S + g.at);
      for (let k = 0; k < M; k++) {
        const order = maxOrder[k]!;
        for (let r = 0; r < m; r++) {
          const i = order[r]!;
          if (w[i]! > 0) {
            const v = maxValues[k]![i]!;
            if (v > maxima[c * M + k]!) maxima[c * M + k] = v;
            break;
          }
        }
      }
    }
  }
  sums.set(kernelSums);
  return out;
}

/**
 * Each statistic on every resample, `draws[j][b]` statistic j on resample b, from the
 * reductions of all resamples (in ranges, in order). Statistics that do not reduce over rows
 * are called with each resample's full weight vector (the same weights).
 */
function finishStatistics(
  rows: number,
  statistics: readonly PreparedMetric[],
  plan: ReductionPlan,
  parts: readonly ResampleReductions[],
  options: Pick<BootstrapOptions, "samples" | "seed">,
): Float64Array[] {
  const samples = options.samples;
  const draws = statistics.map(() => new Float64Array(samples));
  if (samples === 0) return draws;
  const { reductions, slots } = plan;
  const general = statistics.map((_, j) => j).filter((j) => reductions[j] === undefined);
  if (general.length > 0)
    forEachPoissonResample(rows, options, (weights, b) => {
      for (const j of general) draws[j]![b] = statistics[j]!(weights);
    });
  const S = plan.sumChannels.length;
  const M = plan.maxChannels.length;
  reductions.forEach((r, j) => {
    if (r === undefined) return;
    const slot = slots[j]!;
    const mySums = new Float64Array(slot.sums.length);
    const myMaxima = new Float64Array(slot.maxima.length);
    for (const part of parts)
      for (let b = part.from, c = 0; b < part.to; b++, c++) {
        for (let k = 0; k < slot.sums.length; k++) mySums[k] = part.sums[c * S + slot.sums[k]!]!;
        for (let k = 0; k < slot.maxima.length; k++) myMaxima[k] = part.maxima[c * M + slot.maxima[k]!]!;
        draws[j]![b] = r.finish(mySums, myMaxima, part.totals[c]!);
      }
  });
  return draws;
}

/** Each statistic on every resample: `draws[j][b]` is statistic j on resample b (one thread). */
function resampleStatistics(
  rows: number,
  statistics: readonly PreparedMetric[],
  options: Pick<BootstrapOptions, "samples" | "seed">,
): Float64Array[] {
  const plan = planReductions(statistics);
  const part = reduceResamples(rows, plan, options.seed, 0, options.samples);
  return finishStatistics(rows, statistics, plan, [part], options);
}

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

/** The reductions a {@link ResampleRequest} asks for (what the bootstrap worker runs). */
export function reduceRequestedResamples(request: ResampleRequest): ResampleReductions {
  const statistics = request.statistics.map(([name, p]) =>
    metricDefinition(name).prepare(request.actual, request.predicted[p]!, request.metricOptions),
  );
  return reduceResamples(request.rows, planReductions(statistics), request.seed, request.from, request.to);
}

/**
 * Resample-statistic pairs (rows × samples) from which the bootstrap splits its resamples with
 * a worker thread: below, starting the thread costs more than it saves.
 */
export const PARALLEL_BOOTSTRAP_MIN = 1 << 24;

/**
 * The resamples this thread gathers when it shares them with the worker: a little over half.
 * Both start when the rows are scored, and the worker first takes a copy of them and prepares
 * its metrics (measured on the 1M-row bench: with 0.45 or 0.5 this thread then waited 50 to
 * 200 ms for the worker; with 0.55 neither waits).
 */
const THIS_THREAD_SHARE = 0.55;

/** Where the bootstrap's worker script is, or false to stay on this thread. */
export interface ParallelOptions {
  worker?: URL | false;
  /** Rows × samples from which the worker is used; default {@link PARALLEL_BOOTSTRAP_MIN}. */
  minWork?: number;
  /** A worker started beforehand ({@link startBootstrapWorker}); the caller closes it. */
  started?: BootstrapWorker;
}

/**
 * A bootstrap worker started ahead of a bootstrap of `work` rows × samples, so its start-up
 * overlaps the caller's work; undefined when such a bootstrap stays on one thread. The caller
 * passes it as `started` and closes it.
 */
export async function startBootstrapWorker(
  work: number,
  parallel: ParallelOptions = {},
): Promise<BootstrapWorker | undefined> {
  if (!(work >= (parallel.minWork ?? PARALLEL_BOOTSTRAP_MIN))) return undefined;
  return (await bootstrapWorkerStarter(parallel))();
}

/**
 * Loads what starting a bootstrap worker takes and returns the start, which then runs at once:
 * a thread busy with batches may take long to finish an import of its own.
 */
export async function bootstrapWorkerStarter(
  parallel: ParallelOptions = {},
): Promise<() => BootstrapWorker | undefined> {
  if (parallel.worker === false) return () => undefined;
  const starter = await import("./bootstrap-in-worker.js");
  const script = parallel.worker ?? starter.defaultBootstrapWorker();
  return () => (existsSync(script) ? new starter.BootstrapWorker(script) : undefined);
}

/**
 * `resampleStatistics` with the later half of the resamples gathered on a worker thread while
 * this thread gathers the first half; the draws are bit for bit those of one thread. Falls back
 * to one thread for small work, statistics that do not all reduce over rows, or a missing
 * worker script.
 */
async function resampleStatisticsInParallel(
  rows: number,
  statistics: readonly PreparedMetric[],
  described: Omit<ResampleRequest, "rows" | "seed" | "from" | "to">,
  options: Pick<BootstrapOptions, "samples" | "seed">,
  parallel: ParallelOptions,
): Promise<Float64Array[]> {
  const plan = planReductions(statistics);
  const samples = options.samples;
  const shareable =
    samples >= 2 &&
    plan.reductions.every((r) => r !== undefined) &&
    plan.sumChannels.length + plan.maxChannels.length > 0;
  const worker = shareable
    ? (parallel.started ?? (await startBootstrapWorker(rows * samples, parallel)))
    : undefined;
  if (worker === undefined) {
    const part = reduceResamples(rows, plan, options.seed, 0, samples);
    return finishStatistics(rows, statistics, plan, [part], options);
  }
  try {
    const middle = Math.round(samples * THIS_THREAD_SHARE);
    const later = worker.reduce({ ...described, rows, seed: options.seed, from: middle, to: samples });
    // This thread gathers the first resamples while the worker gathers the rest.
    const first = reduceResamples(rows, plan, options.seed, 0, middle);
    const second = await later;
    return finishStatistics(rows, statistics, plan, [first, second], options);
  } finally {
    if (worker !== parallel.started) await worker.close();
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
  const diffs = new Map<string, Float64Array>();
  const rels = new Map<string, Float64Array>();
  if (sampled.length > 0 && options.samples > 0) {
    const draws = resampleStatistics(
      rows,
      sampled.flatMap((name) => pairs[name]!),
      options,
    );
    sampled.forEach((name, k) => {
      const champion = draws[2 * k]!;
      const challenger = draws[2 * k + 1]!;
      const diff = new Float64Array(options.samples);
      const rel = new Float64Array(options.samples);
      for (let b = 0; b < options.samples; b++) {
        const a = champion[b]!;
        diff[b] = challenger[b]! - a;
        rel[b] = a !== 0 ? diff[b]! / Math.abs(a) : NaN;
      }
      diffs.set(name, diff);
      rels.set(name, rel);
    });
  }
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
