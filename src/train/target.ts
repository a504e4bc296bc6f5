/** The target as numbers: its value for regression, 1 / 0 for the positive / other class. */
import type { RowBatch } from "../data/row-batch.js";
import type { ColumnSpec, ModelSpec } from "../project/schemas.js";

export type TargetReader = (batch: RowBatch, i: number) => number;

/**
 * Reads the target of row `i` (NaN when missing). For classification the positive class is
 * compared as written in the spec with the value as read (category labels applied; booleans
 * as true/false; numbers by value).
 */
export function targetReader(
  spec: Pick<ModelSpec, "task" | "positiveClass">,
  column: ColumnSpec,
  index: number,
): TargetReader {
  if (spec.task === "regression")
    return (batch, i) => {
      const col = batch.columns[index]!;
      return col.kind === "numeric" ? col.values[i]! : NaN;
    };
  const positive = spec.positiveClass;
  if (column.type === "category" || column.type === "string") {
    const wanted = String(positive);
    let levels: readonly string[] | undefined;
    let positiveCode = -2;
    return (batch, i) => {
      const col = batch.columns[index]!;
      if (col.kind === "category") {
        if (col.levels !== levels) {
          levels = col.levels;
          positiveCode = levels.indexOf(wanted);
        }
        const code = col.codes[i]!;
        if (code < 0) return NaN;
        // Levels may grow during a read (no `values` in the spec): look again when unseen.
        if (positiveCode < 0 && code >= 0 && levels[code] === wanted) positiveCode = code;
        return code === positiveCode ? 1 : 0;
      }
      if (col.kind === "string") {
        const v = col.values[i];
        return v === null || v === undefined ? NaN : v === wanted ? 1 : 0;
      }
      return NaN;
    };
  }
  const wantedNumber = typeof positive === "boolean" ? (positive ? 1 : 0) : Number(positive);
  return (batch, i) => {
    const col = batch.columns[index]!;
    if (col.kind !== "numeric") return NaN;
    const v = col.values[i]!;
    return Number.isNaN(v) ? NaN : v === wantedNumber ? 1 : 0;
  };
}
