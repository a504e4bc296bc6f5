/** Passes batches through while reporting how many rows have gone by. */
import type { RowBatch } from "../data/row-batch.js";

export type ProgressEvent = { model: string; pass: string; rows: number };

export async function* progress(
  batches: AsyncIterable<RowBatch>,
  model: string,
  pass: string,
  options: { onProgress?: (event: ProgressEvent) => void },
): AsyncGenerator<RowBatch> {
  let rows = 0;
  for await (const b of batches) {
    rows += b.length;
    options.onProgress?.({ model, pass, rows });
    yield b;
  }
}
