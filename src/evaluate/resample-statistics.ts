/**
 * Each statistic on every resample of the Poisson bootstrap: statistics that reduce over rows are
 * gathered one block of rows at a time for all resamples (the WebAssembly kernel of
 * bootstrap-sums.ts), the rest on each resample's weight vector; with many resamples the later
 * ones are gathered on a worker thread, bit for bit the same.
 */
import { existsSync } from "node:fs";
import type { BootstrapWorker } from "./bootstrap-in-worker.js";
import type { PreparedMetric } from "./metric-types.js";
import type { ResampleReductions, ResampleRequest } from "./bootstrap-protocol.js";
import { KERNEL_CHANNELS, resampleSums } from "./bootstrap-sums.js";
import { metricDefinition, rowReductionOf, type RowChannel, type RowReduction } from "./metrics.js";
import { POISSON_WEIGHTS, forEachPoissonResample, type ResampleOptions } from "./resample-weights.js";

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

/** Adds w[i] · data[i] for i = 0 .. rows - 1 to `out[at]` one row at a time, in order. */
function addInOrder(data: Float64Array, w: Float64Array, rows: number, out: Float64Array, at: number): void {
  let s = out[at]!;
  for (let i = 0; i < rows; i++) s += w[i]! * data[i]!;
  out[at] = s;
}

/** Which row channels the row-reducing statistics sum and maximise, and where each statistic reads them. */
interface ReductionPlan {
  reductions: (RowReduction | undefined)[];
  slots: ({ sums: Int32Array; maxima: Int32Array } | null)[];
  /** Summed block by block first, then from `inOrderFrom` on those summed in row order. */
  sumChannels: RowChannel[];
  inOrderFrom: number;
  maxChannels: RowChannel[];
}

function planReductions(statistics: readonly PreparedMetric[]): ReductionPlan {
  const reductions = statistics.map((s) => rowReductionOf(s));
  const blockIndex = new Map<RowChannel, number>();
  const orderIndex = new Map<RowChannel, number>();
  const maxIndex = new Map<RowChannel, number>();
  const indexOf = (map: Map<RowChannel, number>, c: RowChannel): number => {
    let k = map.get(c);
    if (k === undefined) map.set(c, (k = map.size));
    return k;
  };
  for (const r of reductions) {
    if (r === undefined) continue;
    for (const c of r.sums) indexOf(r.inOrder === true ? orderIndex : blockIndex, c);
    for (const c of r.maxima) indexOf(maxIndex, c);
  }
  const inOrderFrom = blockIndex.size;
  const slots = reductions.map((r) =>
    r === undefined
      ? null
      : {
          sums: Int32Array.from(r.sums, (c) =>
            r.inOrder === true ? inOrderFrom + orderIndex.get(c)! : blockIndex.get(c)!,
          ),
          maxima: Int32Array.from(r.maxima, (c) => maxIndex.get(c)!),
        },
  );
  return {
    reductions,
    slots,
    sumChannels: [...blockIndex.keys(), ...orderIndex.keys()],
    inOrderFrom,
    maxChannels: [...maxIndex.keys()],
  };
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
  const { sumChannels, maxChannels, inOrderFrom } = plan;
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
  // bootstrap-sums.ts); any further ones in groups of up to 4 from the weights; those summed in
  // row order one at a time, each resample's running sum carried from block to block.
  const lead = Math.min(inOrderFrom, KERNEL_CHANNELS);
  const kernel = resampleSums(POISSON_WEIGHTS, lead, BLOCK_ROWS, S, count);
  const leadData = kernel.data;
  const w = kernel.w;
  const kernelSums = kernel.sums;
  const groups = [];
  for (let g = lead; g < inOrderFrom; g += 4) {
    const width = Math.min(4, inOrderFrom - g);
    groups.push({ width, at: g, data: new Float64Array(BLOCK_ROWS * width) });
  }
  const ordered = [];
  for (let k = inOrderFrom; k < S; k++) ordered.push({ at: k, data: new Float64Array(BLOCK_ROWS) });
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
    for (const o of ordered) sumChannels[o.at]!.fill(start, start + m, o.data);
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
      for (const o of ordered) addInOrder(o.data, w, m, kernelSums, c * S + o.at);
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
  options: ResampleOptions,
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
export function resampleStatistics(
  rows: number,
  statistics: readonly PreparedMetric[],
  options: ResampleOptions,
): Float64Array[] {
  const plan = planReductions(statistics);
  const part = reduceResamples(rows, plan, options.seed, 0, options.samples);
  return finishStatistics(rows, statistics, plan, [part], options);
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
export async function resampleStatisticsInParallel(
  rows: number,
  statistics: readonly PreparedMetric[],
  described: Omit<ResampleRequest, "rows" | "seed" | "from" | "to">,
  options: ResampleOptions,
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
