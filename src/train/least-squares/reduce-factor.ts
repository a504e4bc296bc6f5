/**
 * The reduction shared by least squares and IRLS: Householder QR of selected columns of the
 * factor R (with ridge penalty rows) to a smaller triangular system, dropping a column that is a
 * linear combination of those before it (limited pivoting, as LINPACK's dqrdc2).
 */
import type { TriangularFactor } from "./qr-accumulator.js";
import { euclidean, solveUpper } from "./triangular-algebra.js";

/**
 * A column whose part orthogonal to the columns before it is at most this share of its own
 * norm is treated as a linear combination of them. An exact dependence (identical columns, a
 * sum of others, a constant beside the intercept) leaves only rounding there: 4e-16 through the
 * pipeline, 3e-15 on 2M rows × 32 columns. An ill-conditioned but independent column leaves
 * far more: x^10 beside 1, x, …, x^9 on NIST Filip (x in [-9, -3]) keeps 5e-8, which R's `lm`
 * default of 1e-7 would drop although Householder QR recovers 8 digits. 1e-11 is the value R's
 * own `glm.fit` passes to the same LINPACK routine (min(1e-7, epsilon / 1000)): four orders
 * above the rounding of an exact dependence, and a column closer than that to the others leaves
 * fewer than about 5 correct digits anyway.
 */
export const DEFAULT_RANK_TOLERANCE = 1e-11;

/** The reduced triangular system of a set of columns, shared by least squares and IRLS. */
export interface Reduction {
  /** x columns considered, in order. */
  columns: number[];
  /** Positions (into `columns`) of the independent columns, in order. */
  accepted: number[];
  /** Dropped positions with the coefficients expressing them through the accepted ones before them. */
  deficient: { position: number; combination: Float64Array; basis: number[] }[];
  /** R of the accepted columns (penalty rows included), row-major rank × rank. */
  r: Float64Array;
  /** Qᵀy on the accepted rows. */
  qty: Float64Array;
  /** Norm of the part of y orthogonal to the accepted columns (penalty rows included). */
  residualNorm: number;
  /** Euclidean norm of each considered column over the rows (penalty excluded). */
  dataNorms: Float64Array;
}

/**
 * Householder QR of the selected columns of R (plus y's) stacked over the penalty rows,
 * column by column in the caller's order, leaving out a column whose remaining norm is at most
 * `tolerance` times its full norm (LINPACK dqrdc2's limited pivoting).
 */
export function reduceFactor(
  factor: TriangularFactor,
  columns: readonly number[],
  penalty: readonly number[] | undefined,
  tolerance: number,
): Reduction {
  const w = factor.width;
  const yColumn = w - 1;
  const k = columns.length;
  const penalised = penalty ? columns.filter((c) => penalty[c]! > 0) : [];
  const m = w + penalised.length;
  // Column-major m × (k + 1): each column is contiguous for the reflections.
  const a = new Float64Array(m * (k + 1));
  const dataNorms = new Float64Array(k);
  const fullNorms = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const col = columns[c]!;
    let s = 0;
    for (let i = 0; i <= col; i++) {
      const v = factor.r[i * w + col]!;
      a[c * m + i] = v;
      s += v * v;
    }
    dataNorms[c] = Math.sqrt(s);
    const lambda = penalty ? penalty[col]! : 0;
    if (lambda > 0) a[c * m + w + penalised.indexOf(col)] = Math.sqrt(lambda);
    fullNorms[c] = Math.sqrt(s + lambda);
  }
  for (let i = 0; i < w; i++) a[k * m + i] = factor.r[i * w + yColumn]!;

  const accepted: number[] = [];
  const deficient: Reduction["deficient"] = [];
  let rank = 0;
  for (let c = 0; c < k; c++) {
    const base = c * m;
    let sigma = 0;
    for (let i = base + rank + 1; i < base + m; i++) sigma += a[i]! * a[i]!;
    const alpha = a[base + rank]!;
    const tail = Math.sqrt(alpha * alpha + sigma);
    if (!(tail > tolerance * fullNorms[c]!)) {
      const r = extractTriangle(a, m, accepted, rank);
      const combination = solveUpper(r, rank, a.subarray(base, base + rank));
      deficient.push({ position: c, combination, basis: accepted.slice() });
      continue;
    }
    if (sigma > 0 || alpha < 0) {
      const v0 = alpha <= 0 ? alpha - tail : -sigma / (alpha + tail);
      const tau = -v0 / tail;
      const start = base + rank;
      for (let i = start + 1; i < base + m; i++) a[i] = a[i]! / v0;
      for (let j = c + 1; j <= k; j++) {
        const bj = j * m + rank;
        let s = a[bj]!;
        for (let i = 1; i < m - rank; i++) s += a[start + i]! * a[bj + i]!;
        s *= tau;
        a[bj] = a[bj]! - s;
        for (let i = 1; i < m - rank; i++) a[bj + i] = a[bj + i]! - s * a[start + i]!;
      }
      a[start] = tail;
      for (let i = start + 1; i < base + m; i++) a[i] = 0;
    }
    accepted.push(c);
    rank++;
  }
  const r = extractTriangle(a, m, accepted, rank);
  const qty = a.slice(k * m, k * m + rank);
  const residualNorm = euclidean(a.subarray(k * m + rank, k * m + m));
  return { columns: columns.slice(), accepted, deficient, r, qty, residualNorm, dataNorms };
}

/** Rows 0..rank-1 of the accepted columns of a column-major m-row matrix, as row-major rank × rank. */
function extractTriangle(
  a: Float64Array,
  m: number,
  accepted: readonly number[],
  rank: number,
): Float64Array {
  const r = new Float64Array(rank * rank);
  for (let j = 0; j < rank; j++) {
    const base = accepted[j]! * m;
    for (let i = 0; i <= j; i++) r[i * rank + j] = a[base + i]!;
  }
  return r;
}

/**
 * Least squares (or ridge) from the R factor of [X | y]: see {@link SolveOptions} and
 * {@link LeastSquaresFit}. Ill-conditioning and constant columns under a penalty are warnings
 * in `problems`; rank deficiency throws a RankDeficiencyError unless `rankDeficient: "drop"`.
 * @throws RankDeficiencyError; InputError when the factor holds no rows; RangeError for options
 *   that do not fit the factor.
 */
