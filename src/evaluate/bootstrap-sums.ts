/**
 * The bootstrap's inner loop in WebAssembly (scripts/bootstrap-sums-wat.mjs): for one block of
 * rows and one resample, draw every row's Poisson(1) weight and add the weighted channels to the
 * resample's sums. Two channels share a 128-bit lane pair, so the loop runs about twice as fast
 * as the same loop in JavaScript ({@link ScalarBootstrapSums}, which runs where WebAssembly is not
 * available: node --jitless), with the same sums bit for bit (each lane adds its rows in order)
 * and the same weights from the same generator.
 */
import { Buffer } from "node:buffer";
import { mulberry32 } from "../random.js";
import { BOOTSTRAP_SUMS_WASM } from "./bootstrap-sums-wasm.js";

/** Channels summed in the loop that draws the weights (the module has one loop per count). */
export const KERNEL_CHANNELS = 8;

type SumsFunction = (state: number, m: number, data: number, w: number, out: number) => number;

const PAGE_BYTES = 65536;

/**
 * The thread's memory and module instance, grown to the largest gathering so far, and the weight
 * table written at its start.
 */
let shared: { memory: WebAssembly.Memory; exports: Record<string, unknown>; table: Uint8Array } | undefined;

function memoryOf(
  bytes: number,
  table: Uint8Array,
): { memory: WebAssembly.Memory; exports: Record<string, unknown> } {
  if (shared === undefined) {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
    const module = new WebAssembly.Module(Buffer.from(BOOTSTRAP_SUMS_WASM, "base64"));
    shared = { memory, exports: new WebAssembly.Instance(module, { env: { memory } }).exports, table };
    new Uint8Array(memory.buffer).set(table);
  } else if (shared.memory.buffer.byteLength < bytes) {
    shared.memory.grow(Math.ceil((bytes - shared.memory.buffer.byteLength) / PAGE_BYTES));
  }
  // Written once: growing keeps it, and there is one table (POISSON_WEIGHTS).
  if (shared.table !== table) {
    new Uint8Array(shared.memory.buffer).set(table);
    shared.table = table;
  }
  return shared;
}

/** One gathering's arrays and its loop: a block's channels, their weights and the sums. */
export interface ResampleSums {
  /** Row i's channel k is `data[channels · i + k]`. */
  readonly data: Float64Array;
  /** The weights of the last block drawn (and a 0 after an odd block). */
  readonly w: Float64Array;
  /** The sums of the resamples, `width` each. */
  readonly sums: Float64Array;
  /**
   * Draws the weights of the block's `m` rows from the generator state `state` into `w`, adds
   * Σ w · channel of the block's rows to the sums of resample `c` (its first `channels` sums)
   * and returns Σ w.
   */
  draw(state: number, m: number, c: number): number;
}

/**
 * The loop for a gathering of `resamples` resamples of `width` sums, of which the first
 * `channels` (0 to {@link KERNEL_CHANNELS}) are drawn with the weights: in WebAssembly where
 * there is WebAssembly.
 */
export function resampleSums(
  table: Uint8Array,
  channels: number,
  blockRows: number,
  width: number,
  resamples: number,
): ResampleSums {
  return typeof WebAssembly === "undefined"
    ? new ScalarBootstrapSums(table, channels, blockRows, width, resamples)
    : new BootstrapSums(table, channels, blockRows, width, resamples);
}

/**
 * One gathering's memory: the weight table, a block's channels, its weights and the sums. The
 * thread's memory is shared by its gatherings, which run one at a time (a gathering is one
 * synchronous call): make one, use it, drop it before the next.
 */
export class BootstrapSums implements ResampleSums {
  /** Row i's channel k is `data[channels · i + k]`. */
  readonly data: Float64Array;
  /** The weights of the last block drawn (and a 0 after an odd block). */
  readonly w: Float64Array;
  /** The sums of `resamples` resamples, `width` each. */
  readonly sums: Float64Array;
  private readonly run: SumsFunction;
  private readonly dataAt: number;
  private readonly wAt: number;
  private readonly sumsAt: number;

  constructor(
    table: Uint8Array,
    /** Channels of `data` (0 to {@link KERNEL_CHANNELS}). */
    readonly channels: number,
    blockRows: number,
    private readonly width: number,
    resamples: number,
  ) {
    const dataAt = align16(table.length);
    const wAt = align16(dataAt + 8 * channels * blockRows);
    const sumsAt = align16(wAt + 8 * (blockRows + 2));
    const { memory, exports } = memoryOf(sumsAt + 8 * width * resamples, table);
    this.data = new Float64Array(memory.buffer, dataAt, channels * blockRows);
    this.w = new Float64Array(memory.buffer, wAt, blockRows + 2);
    this.sums = new Float64Array(memory.buffer, sumsAt, width * resamples).fill(0);
    this.run = exports[`sums${channels}`] as SumsFunction;
    this.dataAt = dataAt;
    this.wAt = wAt;
    this.sumsAt = sumsAt;
  }

  /**
   * Draws the weights of the block's `m` rows from the generator state `state` into {@link w},
   * adds Σ w · channel of the block's rows to the sums of resample `c` (its first `channels`
   * sums) and returns Σ w.
   */
  draw(state: number, m: number, c: number): number {
    return this.run(state, m, this.dataAt, this.wAt, this.sumsAt + 8 * this.width * c);
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

/** {@link BootstrapSums} in JavaScript, one channel at a time: the definition it follows. */
export class ScalarBootstrapSums implements ResampleSums {
  readonly data: Float64Array;
  readonly w: Float64Array;
  readonly sums: Float64Array;
  private readonly partial: Float64Array;

  constructor(
    private readonly table: Uint8Array,
    readonly channels: number,
    blockRows: number,
    private readonly width: number,
    resamples: number,
  ) {
    this.data = new Float64Array(channels * blockRows);
    this.w = new Float64Array(blockRows + 2);
    this.sums = new Float64Array(width * resamples);
    this.partial = new Float64Array(channels);
  }

  draw(state: number, m: number, c: number): number {
    const { table, data, w, partial, channels } = this;
    const next = mulberry32(state);
    partial.fill(0);
    let total = 0;
    for (let i = 0, o = 0; i < m; i += 2, o += 2 * channels) {
      const t = next();
      const lo = table[t & 0xffff]!;
      const hi = i + 1 < m ? table[t >>> 16]! : 0;
      w[i] = lo;
      w[i + 1] = hi;
      for (let k = 0; k < channels; k++) partial[k] = partial[k]! + lo * data[o + k]!;
      if (i + 1 < m)
        for (let k = 0; k < channels; k++) partial[k] = partial[k]! + hi * data[o + channels + k]!;
      total += lo + hi;
    }
    const at = this.width * c;
    for (let k = 0; k < channels; k++) this.sums[at + k] = this.sums[at + k]! + partial[k]!;
    return total;
  }
}
