/**
 * The Householder fold of qr-accumulator.ts in WebAssembly (qr-fold.wat): two columns share a
 * 128-bit lane pair, and every number goes through the same operations as in the scalar fold
 * ({@link foldBlockScalar}, which runs where WebAssembly is not available: node --jitless), so the
 * factor is the same bit for bit, about twice as fast. One memory per thread, grown to the widest
 * factor folded; a fold copies its block and R in and R out (a few percent of its time).
 */
import { Buffer } from "node:buffer";
import { QR_FOLD_WASM } from "./qr-fold-wasm.js";

type FoldFunction = (
  m: number,
  width: number,
  count: number,
  block: number,
  blockRows: number,
  rows: number,
  r: number,
  cols: number,
) => number;

const PAGE_BYTES = 65536;

interface FoldMemory {
  memory: WebAssembly.Memory;
  fold: FoldFunction;
  doubles: Float64Array;
  ints: Int32Array;
}

let kernel: FoldMemory | undefined;

/** The thread's fold memory, at least `bytes` long. */
function memoryOf(bytes: number): FoldMemory {
  if (kernel === undefined) {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
    const module = new WebAssembly.Module(Buffer.from(QR_FOLD_WASM, "base64"));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    kernel = {
      memory,
      fold: instance.exports.fold as FoldFunction,
      doubles: new Float64Array(memory.buffer),
      ints: new Int32Array(memory.buffer),
    };
  } else if (kernel.memory.buffer.byteLength < bytes) {
    kernel.memory.grow(Math.ceil((bytes - kernel.memory.buffer.byteLength) / PAGE_BYTES));
    kernel.doubles = new Float64Array(kernel.memory.buffer);
    kernel.ints = new Int32Array(kernel.memory.buffer);
  }
  return kernel;
}

/**
 * Folds the first `m` rows of `block` (column-major, `blockRows` apart) into `r` (row-major
 * width × width) by one reflection per column of `cols[0 .. count)`, the live columns. Returns
 * 0, or 1 + the column whose values are too large to factor (then `r` is unchanged).
 */
export function foldBlock(
  m: number,
  width: number,
  count: number,
  block: Float64Array,
  blockRows: number,
  r: Float64Array,
  cols: Int32Array,
): number {
  if (typeof WebAssembly === "undefined") return foldBlockScalar(m, width, count, block, blockRows, r, cols);
  const rAt = 0;
  const blockAt = rAt + 8 * width * width;
  const rowsAt = blockAt + 8 * width * blockRows;
  const colsAt = rowsAt + 8 * count * m;
  const { fold, doubles, ints } = memoryOf(colsAt + 4 * count);
  doubles.set(r, rAt / 8);
  doubles.set(block, blockAt / 8);
  ints.set(cols.subarray(0, count), colsAt / 4);
  const failed = fold(m, width, count, blockAt, blockRows, rowsAt, rAt, colsAt);
  if (failed === 0) r.set(doubles.subarray(rAt / 8, rAt / 8 + width * width));
  return failed;
}

/**
 * {@link foldBlock} in JavaScript, one column at a time: the definition the WebAssembly fold
 * follows operation for operation. Leaves `block` changed (its rows reflected).
 */
export function foldBlockScalar(
  m: number,
  width: number,
  count: number,
  b: Float64Array,
  stride: number,
  r: Float64Array,
  cols: Int32Array,
): number {
  const before = r.slice();
  for (let q = 0; q < count; q++) {
    const j = cols[q]!;
    const cj = j * stride;
    let sigma = 0;
    for (let i = cj; i < cj + m; i++) sigma += b[i]! * b[i]!;
    if (sigma === 0) continue;
    const diag = j * width + j;
    const alpha = r[diag]!;
    const mu = Math.sqrt(alpha * alpha + sigma);
    if (!(mu < Infinity)) {
      r.set(before);
      return j + 1;
    }
    // v0 = alpha - mu without cancellation, so the new diagonal is +mu (R stays canonical).
    const v0 = alpha <= 0 ? alpha - mu : -sigma / (alpha + mu);
    const tau = -v0 / mu;
    const inv = 1 / v0;
    for (let i = cj; i < cj + m; i++) b[i] = b[i]! * inv;
    for (let p = q + 1; p < count; p++) {
      const ck = cols[p]! * stride;
      const rk = j * width + cols[p]!;
      let s = r[rk]!;
      for (let i = 0; i < m; i++) s += b[cj + i]! * b[ck + i]!;
      s *= tau;
      r[rk] = r[rk]! - s;
      for (let i = 0; i < m; i++) b[ck + i] = b[ck + i]! - s * b[cj + i]!;
    }
    r[diag] = mu;
  }
  return 0;
}
