/** The least-squares calls training makes, over the design's columns (intercept first). */
import {
  heldOutSquaredError,
  solveLeastSquares,
  type LeastSquaresFit,
  type TriangularFactor,
} from "./least-squares/index.js";

export interface ColumnFit {
  fit: LeastSquaresFit;
  /** Coefficients over every x column of the factor, 0 for columns outside the subset. */
  coefficientsFull: Float64Array;
}

/**
 * Solves on the x columns `cols` of `factor` with a ridge penalty per chosen column. A fold's
 * model drops rank-deficient columns (a rare level may be absent from a fold); the final fit
 * throws, naming them (`rankDeficient: "throw"`).
 */
export function solveColumns(
  factor: TriangularFactor,
  cols: readonly number[],
  penalty: readonly number[],
  names: readonly string[],
  options: { rankDeficient?: "throw" | "drop"; file?: string } = {},
): ColumnFit {
  const full = new Array<number>(factor.width - 1).fill(0);
  cols.forEach((c, k) => (full[c] = penalty[k]!));
  const fit = solveLeastSquares(factor, {
    columnNames: names,
    columns: cols,
    penalty: full,
    rankDeficient: options.rankDeficient ?? "drop",
    ...(options.file !== undefined ? { file: options.file } : {}),
  });
  const coefficientsFull = new Float64Array(factor.width - 1);
  fit.columns.forEach((c, k) => (coefficientsFull[c] = fit.coefficients[k]!));
  return { fit, coefficientsFull };
}

/** ‖X b - y‖² over the rows of a held-out factor, exactly, for coefficients over every x column. */
export function heldOutSse(factor: TriangularFactor, coefficientsFull: Float64Array): number {
  return heldOutSquaredError(factor, coefficientsFull);
}
