/**
 * The Householder fold of qr-accumulator.ts in WebAssembly (qr-fold.wat): two columns share a
 * 128-bit lane pair, and every number goes through the same operations as in the JavaScript
 * fold, so the factor is the same bit for bit, about twice as fast. One memory per thread,
 * grown to the widest factor folded; a fold copies its block and R in and R out (a few percent
 * of its time).
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
