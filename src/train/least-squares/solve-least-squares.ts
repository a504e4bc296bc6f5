/**
 * Least squares and ridge from the triangular factor R of [X | y], without another pass over
 * the rows: coefficients, standard errors, residual sum of squares, rank, conditioning, and the
 * problems a user must hear about by column name (collinear, constant, all-zero columns and
 * ill-conditioning).
 */
import { InputError } from "../../errors.js";
import {
  DEFAULT_SOURCE,
  RankDeficiencyError,
  formatMagnitude,
  listNames,
  type FitProblem,
} from "./fit-problems.js";
import { QrAccumulator, type TriangularFactor } from "./qr-accumulator.js";
import { estimateConditionNumber, invertUpper, rowNorms, solveUpper } from "./triangular-algebra.js";
import { DEFAULT_RANK_TOLERANCE, reduceFactor, type Reduction } from "./reduce-factor.js";

export { DEFAULT_RANK_TOLERANCE, reduceFactor, type Reduction } from "./reduce-factor.js";

/**
 * Warn when the sensitivity κ(1 + κη) of the solution exceeds this, κ the condition number of
 * the column-scaled R and η = ‖r‖ / ‖x_s‖ the residual against the scaled coefficients: about
 * log10 of it of the 16 significant digits of a double are lost, so past 1e10 fewer than 6 are left.
 */
export const DEFAULT_CONDITION_WARNING = 1e10;

/** Unit roundoff of a double, 2^-53. */
const UNIT_ROUNDOFF = 2 ** -53;

/** A contribution below this share of a dropped column's norm does not name a column. */
const CONTRIBUTION_SHARE = 1e-6;

export interface SolveOptions {
  /** Names of every x column of the factor (width - 1 of them), for results and problems. */
  columnNames: readonly string[];
  /**
   * Ridge penalty λ_j ≥ 0 per x column (width - 1 entries), 0 for the intercept: minimises
   * ‖Xb - y‖² + Σ λ_j b_j², exactly, by appending the rows √λ_j e_jᵀ to R before solving.
   */
  penalty?: readonly number[];
  /** Fit only these x columns (indices into columnNames, distinct), e.g. in a feature search. */
  columns?: readonly number[];
  /**
   * A column that is a (near) linear combination of earlier ones: `"throw"` (default) raises a
   * RankDeficiencyError naming every such column; `"drop"` leaves them out of the fit (their
   * coefficient 0 and standard error NaN), lists them in `dropped` and reports a warning each.
   */
  rankDeficient?: "throw" | "drop";
  /** Relative tolerance of the rank decision; see DEFAULT_RANK_TOLERANCE. */
  rankTolerance?: number;
  /** Scaled condition number above which an "ill-conditioned" warning is reported. */
  conditionWarning?: number;
  /** File the rows came from, to locate problems in a thrown error. */
  file?: string;
}

export interface LeastSquaresFit {
  /** The x columns fitted (indices into columnNames), in order; every coefficient array follows it. */
  columns: number[];
  columnNames: string[];
  coefficients: Float64Array;
  /**
   * Least squares: √(σ̂² [(RᵀR)⁻¹]_jj) with σ̂² = RSS / (rows - rank), the classical formula.
   * Ridge: the sampling standard deviation of the ridge estimator for fixed λ,
   * √(σ̂² [(XᵀX + Λ)⁻¹ XᵀX (XᵀX + Λ)⁻¹]_jj) with σ̂² = RSS / (rows - effectiveDf).
   * NaN for dropped columns and when there are no residual degrees of freedom.
   */
  standardErrors: Float64Array;
  /** x columns left out for rank deficiency (only with `rankDeficient: "drop"`). */
  dropped: number[];
  /** Σ w_i (x_i b - y_i)² over the rows, without the penalty term. */
  rss: number;
  /** Rows with positive weight. */
  rows: number;
  /** Number of independent columns fitted. */
  rank: number;
  /** rank for least squares; the trace of the hat matrix X(XᵀX + Λ)⁻¹Xᵀ for ridge. */
  effectiveDf: number;
  /** rows - effectiveDf. */
  residualDf: number;
  /** Residual standard deviation √(rss / residualDf); NaN without residual degrees of freedom. */
  sigma: number;
  /** 2-norm condition number estimate of the R the coefficients were solved with (x part). */
  conditionNumber: number;
  /** The same after scaling each column to unit length: what accuracy depends on, units aside. */
  scaledConditionNumber: number;
  /**
   * Significant digits to expect in the coefficients, −log10(u κ (1 + κη)) between 0 and 16
   * (see DEFAULT_CONDITION_WARNING): an estimate from the error bound of Householder least
   * squares, so usually a few digits pessimistic (NIST Filip: 5 expected, 8 reached).
   */
  expectedDigits: number;
  problems: FitProblem[];
}

export function solveLeastSquares(
  source: QrAccumulator | TriangularFactor,
  options: SolveOptions,
): LeastSquaresFit {
  const factor = source instanceof QrAccumulator ? source.factor() : source;
  const p = factor.width - 1;
  const { columnNames } = options;
  if (columnNames.length !== p) {
    throw new RangeError(`columnNames has ${columnNames.length} names, the factor has ${p} x columns`);
  }
  const columns = options.columns ? options.columns.slice() : Array.from({ length: p }, (_, i) => i);
  checkColumns(columns, p);
  const penalty = options.penalty;
  if (penalty) {
    if (penalty.length !== p) throw new RangeError(`penalty has ${penalty.length} entries, expected ${p}`);
    if (!penalty.every((l) => l >= 0 && l < Infinity))
      throw new RangeError("penalties must be finite and ≥ 0");
  }
  if (factor.rows === 0) {
    throw new InputError({
      file: options.file ?? DEFAULT_SOURCE,
      message: "there are no rows to fit (none, or all with weight 0)",
      hint: "check the data file and the split: the training side is empty",
    });
  }
  const tolerance = options.rankTolerance ?? DEFAULT_RANK_TOLERANCE;
  const red = reduceFactor(factor, columns, penalty, tolerance);
  const mode = options.rankDeficient ?? "throw";
  const names = columns.map((c) => columnNames[c]!);

  const problems = describeColumns(factor, red, names, penalty, mode);
  const dropped = red.deficient.map((d) => columns[d.position]!);
  if (mode === "throw" && dropped.length > 0) {
    throw new RankDeficiencyError(
      problems.filter((f) => f.severity === "error"),
      dropped,
      options.file ?? DEFAULT_SOURCE,
    );
  }

  const rank = red.accepted.length;
  const beta = solveUpper(red.r, rank, red.qty);
  const k = columns.length;
  const coefficients = new Float64Array(k);
  red.accepted.forEach((pos, i) => (coefficients[pos] = beta[i]!));

  const ridge = !!penalty && red.accepted.some((pos) => penalty[columns[pos]!]! > 0);
  const rss = ridge
    ? combinationNormSquared(factor, coefficients, columns, -1)
    : red.residualNorm * red.residualNorm;
  const inverse = invertUpper(red.r, rank);
  let effectiveDf = rank;
  let variance: Float64Array; // per accepted column, in units of σ²
  if (ridge) {
    ({ effectiveDf, variance } = ridgeVariance(factor, columns, red, inverse));
  } else {
    variance = rowNorms(inverse, rank, rank).map((v) => v * v);
  }
  const residualDf = factor.rows - effectiveDf;
  const sigma = residualDf > 1e-9 ? Math.sqrt(rss / residualDf) : NaN;
  const standardErrors = new Float64Array(k).fill(NaN);
  red.accepted.forEach((pos, i) => (standardErrors[pos] = sigma * Math.sqrt(variance[i]!)));
  if (!(residualDf > 1e-9)) {
    problems.push({
      kind: "no-residual-df",
      severity: "warning",
      columns: [],
      message: `${factor.rows} rows for ${rank} coefficients leave no residual degrees of freedom: standard errors are undefined`,
      hint: "use more rows or fewer features",
    });
  }

  const conditionNumber = estimateConditionNumber(red.r, rank);
  const { scaledConditionNumber, sensitivity } = conditioning(red, beta, rss);
  const expectedDigits = Math.max(0, Math.min(16, -Math.log10(UNIT_ROUNDOFF * sensitivity)));
  const threshold = options.conditionWarning ?? DEFAULT_CONDITION_WARNING;
  if (sensitivity > threshold) {
    problems.push({
      kind: "ill-conditioned",
      severity: "warning",
      columns: red.accepted.map((pos) => names[pos]!),
      message:
        `ill-conditioned design (condition number ${formatMagnitude(scaledConditionNumber)} with columns ` +
        `scaled to unit length): expect about ${Math.floor(expectedDigits)} correct significant digits ` +
        `in the coefficients; predictions on rows like the training rows are more accurate`,
      hint: "center or rescale features (e.g. x - 6 before its powers), drop nearly redundant ones, or add a ridge penalty",
    });
  }

  return {
    columns,
    columnNames: names,
    coefficients,
    standardErrors,
    dropped,
    rss,
    rows: factor.rows,
    rank,
    effectiveDf,
    residualDf,
    sigma,
    conditionNumber,
    scaledConditionNumber,
    expectedDigits,
    problems,
  };
}

/**
 * The condition number κ of R with its columns scaled to unit length (Householder QR is
 * column-wise backward stable, so that κ governs its accuracy, whatever the units), and the
 * sensitivity κ(1 + κη) of a least-squares solution to such backward errors, η = ‖r‖ / ‖x_s‖
 * with x_s the coefficients in the scaled basis (Wedin's bound; Higham, Accuracy and Stability
 * of Numerical Algorithms, 2nd ed., Theorem 20.1, with ‖A_s‖ ≥ 1).
 */
function conditioning(
  red: Reduction,
  beta: Float64Array,
  rss: number,
): { scaledConditionNumber: number; sensitivity: number } {
  const rank = red.accepted.length;
  const scaled = red.r.slice();
  let scaledNormSquared = 0;
  for (let j = 0; j < rank; j++) {
    let s = 0;
    for (let i = 0; i <= j; i++) s += scaled[i * rank + j]! ** 2;
    const norm = Math.sqrt(s);
    for (let i = 0; i <= j; i++) scaled[i * rank + j] = scaled[i * rank + j]! / norm;
    scaledNormSquared += (beta[j]! * norm) ** 2;
  }
  const kappa = estimateConditionNumber(scaled, rank);
  const eta = scaledNormSquared > 0 ? Math.sqrt(rss) / Math.sqrt(scaledNormSquared) : 0;
  return { scaledConditionNumber: kappa, sensitivity: kappa * (1 + kappa * eta) };
}

/**
 * Σ w_i (x_i b - y_i)² over the rows of a factor, exactly, from R alone: ‖R [b; -1]‖², since
 * R = QᵀX with Q orthogonal. Cross-validation scores a fold this way from the fold's own R.
 * @param coefficients one per column of `columns` (all x columns by default).
 */
export function heldOutSquaredError(
  source: QrAccumulator | TriangularFactor,
  coefficients: ArrayLike<number>,
  columns?: readonly number[],
): number {
  const factor = source instanceof QrAccumulator ? source.factor() : source;
  const cols = columns ?? Array.from({ length: factor.width - 1 }, (_, i) => i);
  checkColumns(cols, factor.width - 1);
  if (coefficients.length !== cols.length) {
    throw new RangeError(`${coefficients.length} coefficients for ${cols.length} columns`);
  }
  return combinationNormSquared(factor, coefficients, cols, -1);
}

/** ‖R [b; yCoefficient]‖²: ‖Xb - y‖² for -1, ‖Xb‖² for 0. */
function combinationNormSquared(
  factor: TriangularFactor,
  coefficients: ArrayLike<number>,
  columns: readonly number[],
  yCoefficient: number,
): number {
  const w = factor.width;
  let total = 0;
  for (let i = 0; i < w; i++) {
    const row = i * w;
    let s = yCoefficient * factor.r[row + w - 1]!;
    for (let c = 0; c < columns.length; c++) s += factor.r[row + columns[c]!]! * (coefficients[c] as number);
    total += s * s;
  }
  return total;
}

function checkColumns(columns: readonly number[], p: number): void {
  const seen = new Set<number>();
  for (const c of columns) {
    if (!Number.isInteger(c) || c < 0 || c >= p)
      throw new RangeError(`column ${c} is not an x column (0..${p - 1})`);
    if (seen.has(c)) throw new RangeError(`column ${c} is selected twice`);
    seen.add(c);
  }
}

/**
 * Ridge covariance in units of σ², diag of (AᵀA)⁻¹ XᵀX (AᵀA)⁻¹ with AᵀA = XᵀX + Λ, and the
 * effective degrees of freedom tr(X (AᵀA)⁻¹ Xᵀ) = ‖D A⁻¹‖²_F, where D = R[:, accepted] so DᵀD = XᵀX.
 */
function ridgeVariance(
  factor: TriangularFactor,
  columns: readonly number[],
  red: Reduction,
  inverse: Float64Array,
): { effectiveDf: number; variance: Float64Array } {
  const w = factor.width;
  const rank = red.accepted.length;
  const cols = red.accepted.map((pos) => columns[pos]!);
  // T = D A⁻¹ (w × rank), then U = T A⁻ᵀ; the variance of b_j is ‖U[:, j]‖².
  const t = new Float64Array(w * rank);
  let effectiveDf = 0;
  for (let i = 0; i < w; i++) {
    for (let j = 0; j < rank; j++) {
      let s = 0;
      for (let l = 0; l <= j; l++) s += factor.r[i * w + cols[l]!]! * inverse[l * rank + j]!;
      t[i * rank + j] = s;
      effectiveDf += s * s;
    }
  }
  const variance = new Float64Array(rank);
  for (let i = 0; i < w; i++) {
    for (let j = 0; j < rank; j++) {
      let s = 0;
      for (let l = j; l < rank; l++) s += t[i * rank + l]! * inverse[j * rank + l]!;
      variance[j] = variance[j]! + s * s;
    }
  }
  return { effectiveDf, variance };
}

/** Names what is wrong with the columns: dropped ones, and constant or zero ones kept by a penalty. */
function describeColumns(
  factor: TriangularFactor,
  red: Reduction,
  names: readonly string[],
  penalty: readonly number[] | undefined,
  mode: "throw" | "drop",
): FitProblem[] {
  const problems: FitProblem[] = [];
  const severity = mode === "throw" ? "error" : "warning";
  const col = (pos: number): number => red.columns[pos]!;
  const isZero = (pos: number): boolean =>
    red.dataNorms[pos] === 0 || (factor.min[col(pos)] === 0 && factor.max[col(pos)] === 0);
  const isConstant = (pos: number): boolean =>
    factor.rows > 0 && factor.min[col(pos)] === factor.max[col(pos)];
  const left = (name: string): string => (mode === "drop" ? `; ${name} was left out of the fit` : "");

  for (const d of red.deficient) {
    const name = names[d.position]!;
    if (isZero(d.position)) {
      problems.push({
        kind: "all-zero",
        severity,
        columns: [name],
        message: `${name} is zero in every row${left(name)}`,
        hint: "remove the feature: it carries no information (a feature with every value missing becomes a constant after imputation)",
      });
      continue;
    }
    const contributors = d.basis.filter(
      (pos, i) =>
        Math.abs(d.combination[i]!) * red.dataNorms[pos]! >= CONTRIBUTION_SHARE * red.dataNorms[d.position]!,
    );
    const contributorNames = contributors.map((pos) => names[pos]!);
    if (isConstant(d.position)) {
      const value = factor.min[col(d.position)]!;
      const intercept = contributors.find(isConstant);
      problems.push({
        kind: "constant",
        severity,
        columns: [...contributorNames, name],
        message:
          intercept !== undefined && contributors.length === 1
            ? `${name} is constant (${value} in every row), a multiple of the intercept column ${names[intercept]}${left(name)}`
            : `${name} is constant (${value} in every row) and a linear combination of ${listNames(contributorNames)}${left(name)}`,
        hint: "remove the feature: a constant carries no information beyond the intercept",
      });
      continue;
    }
    problems.push({
      kind: "collinear",
      severity,
      columns: [...contributorNames, name],
      message:
        contributorNames.length === 1
          ? `${contributorNames[0]} and ${name} are collinear${left(name)}`
          : `${name} is a linear combination of ${listNames(contributorNames)}${left(name)}`,
      hint: "remove one of these features, or add a ridge penalty",
    });
  }

  // A penalty keeps a constant or zero column in the fit; it still deserves a word.
  if (penalty) {
    let interceptSeen: number | undefined;
    for (const pos of red.accepted) {
      const lambda = penalty[col(pos)]!;
      if (isZero(pos)) {
        problems.push({
          kind: "all-zero",
          severity: "warning",
          columns: [names[pos]!],
          message: `${names[pos]} is zero in every row`,
          hint: "remove the feature: it carries no information",
        });
      } else if (isConstant(pos)) {
        if (interceptSeen !== undefined && lambda > 0) {
          problems.push({
            kind: "constant",
            severity: "warning",
            columns: [names[interceptSeen]!, names[pos]!],
            message: `${names[pos]} is constant (${factor.min[col(pos)]} in every row), a multiple of the intercept column ${names[interceptSeen]}`,
            hint: "remove the feature: a constant carries no information beyond the intercept",
          });
        }
        interceptSeen ??= pos;
      }
    }
  }
  return problems;
}
