/**
 * Several requests' batches as one, so the model is called once for all of them (adaptive
 * batching). Category codes are re-coded onto one list of levels: each request's batch was
 * built with levels of its own.
 */
import type {
  CategoryVector,
  ColumnVector,
  NumericVector,
  RowBatch,
  StringVector,
} from "../data/row-batch.js";

/** The rows of `batches` one after the other (every batch has the same columns, in the same order). */
export function concatBatches(batches: readonly RowBatch[]): RowBatch {
  if (batches.length === 1) return batches[0]!;
  const length = batches.reduce((n, b) => n + b.length, 0);
  const row = new Uint32Array(length);
  const line = new Uint32Array(length);
  let at = 0;
  for (const b of batches) {
    row.set(b.row, at);
    line.set(b.line, at);
    at += b.length;
  }
  const columns = batches[0]!.columns.map((first, c): ColumnVector => {
    const parts = batches.map((b) => b.columns[c]!);
    if (first.kind === "numeric") {
      const values = new Float64Array(length);
      let k = 0;
      for (const p of parts as NumericVector[]) {
        values.set(p.values, k);
        k += p.values.length;
      }
      return { ...first, values };
    }
    if (first.kind === "string")
      return { ...first, values: (parts as StringVector[]).flatMap((p) => p.values) };
    const levels: string[] = [];
    const raw: string[] = [];
    const codeOf = new Map<string, number>();
    const codes = new Int32Array(length);
    let k = 0;
    for (const p of parts as CategoryVector[]) {
      const map = p.raw.map((r, i) => {
        let code = codeOf.get(r);
        if (code === undefined) {
          code = raw.length;
          codeOf.set(r, code);
          raw.push(r);
          levels.push(p.levels[i]!);
        }
        return code;
      });
      for (let i = 0; i < p.codes.length; i++) codes[k++] = p.codes[i]! < 0 ? -1 : map[p.codes[i]!]!;
    }
    return { ...first, codes, levels, raw };
  });
  return { length, row, line, side: new Uint8Array(length), columns };
}
