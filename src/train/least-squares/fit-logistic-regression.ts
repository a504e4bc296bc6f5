/**
 * Binary logistic regression by iteratively reweighted least squares: each Newton step is a
 * weighted (ridge) least squares solve on the QR solver, so the same rank checks and column
 * names apply. Separable classes, which have no finite maximum-likelihood solution, are
 * detected and reported instead of returning ever larger coefficients.
 */
import { DEFAULT_SOURCE, SeparationError, listNames, type FitProblem } from "./fit-problems.js";
import { QrAccumulator } from "./qr-accumulator.js";
import { reduceFactor, solveLeastSquares } from "./solve-least-squares.js";
import { invertUpper, rowNorms } from "./triangular-algebra.js";

export interface LogisticOptions {
  /** One name per column of the design (its width); include the intercept column if wanted. */
  columnNames: readonly string[];
  /**
   * L2 penalty λ_j ≥ 0 per column, 0 for the intercept: the fit minimises the penalised
   * deviance D(b) + Σ λ_j b_j², i.e. maximises the log-likelihood minus Σ λ_j b_j² / 2.
   */
  penalty?: readonly number[];
  /** Per-row weights ≥ 0 (class weights, frequency weights); 1 by default. */
  weights?: ArrayLike<number>;
  /** Newton (IRLS) steps at most; 50 by default. */
  maxIterations?: number;
  /** Converged when |ΔD_pen| / (|D_pen| + 0.1) falls below this (R's glm rule); 1e-10 by default. */
  tolerance?: number;
  /** As for least squares: `"throw"` (default) or `"drop"` collinear columns. */
  rankDeficient?: "throw" | "drop";
  /** File the rows came from, to locate problems in a thrown error. */
  file?: string;
  /** How messages name the rows of class 0 and of class 1; `["class 0", "class 1"]` by default. */
  classNames?: readonly [string, string];
}

export interface LogisticFit {
  columnNames: string[];
  coefficients: Float64Array;
  /**
   * √diag of the inverse Fisher information Xᵀ W X (+ Λ with a penalty: the inverse of the
   * penalised information, the usual approximate posterior covariance), at the solution.
   * NaN for dropped columns.
   */
  standardErrors: Float64Array;
  iterations: number;
  converged: boolean;
  /** -2 Σ w_i [y_i log p_i + (1 - y_i) log(1 - p_i)], penalty excluded. */
  deviance: number;
  /** deviance + Σ λ_j b_j², the objective minimised. */
  penalizedDeviance: number;
  /** Columns left out for rank deficiency (only with `rankDeficient: "drop"`). */
  dropped: number[];
  /** Of the last Newton step's weighted least squares, as for least squares. */
  scaledConditionNumber: number;
  /** Of the last Newton step's weighted least squares, as for least squares. */
  expectedDigits: number;
  problems: FitProblem[];
}

const DEFAULT_MAX_ITERATIONS = 50;
const DEFAULT_TOLERANCE = 1e-10;
/** |η| beyond this (p within 1e-8 of 0 or 1) is a sign the coefficients may be diverging. */
const EXTREME_ETA = 18.4;
/** R's glm warns below 10 ε: probabilities that are numerically 0 or 1. */
const NUMERIC_ZERO = 10 * Number.EPSILON;
const MAX_HALVINGS = 30;

/**
 * Fits P(y = 1) = 1 / (1 + exp(-x b)) to an in-memory design.
 * @param x row-major n × p design (n = y.length, p = columnNames.length).
 * @param y 0 or 1 per row.
 * @throws SeparationError when the classes are (quasi-)separated along unpenalised columns;
 *   RankDeficiencyError for collinear columns (unless `rankDeficient: "drop"`); RangeError
 *   for arguments of the wrong shape.
 */
export function fitLogisticRegression(
  x: Float64Array,
  y: ArrayLike<number>,
  options: LogisticOptions,
): LogisticFit {
  const n = y.length;
  const p = options.columnNames.length;
  if (x.length !== n * p)
    throw new RangeError(`design has ${x.length} values, expected ${n} rows × ${p} columns`);
  const weights = options.weights;
  if (weights && weights.length !== n) throw new RangeError(`${weights.length} weights for ${n} rows`);
  const penalty = options.penalty ?? new Array<number>(p).fill(0);
  if (penalty.length !== p) throw new RangeError(`penalty has ${penalty.length} entries, expected ${p}`);
  if (!penalty.every((l) => l >= 0 && l < Infinity)) throw new RangeError("penalties must be finite and ≥ 0");
  const file = options.file ?? DEFAULT_SOURCE;
  const weightOf = (i: number): number => (weights ? (weights[i] as number) : 1);
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < n; i++) {
    const w = weightOf(i);
    if (!(w >= 0 && w < Infinity)) throw new RangeError(`row ${i}: weight must be finite and ≥ 0, got ${w}`);
    const yi = y[i];
    if (yi !== 0 && yi !== 1) throw new RangeError(`row ${i}: y must be 0 or 1, got ${String(yi)}`);
    if (w > 0) {
      if (yi === 1) positive++;
      else negative++;
    }
  }
  if (positive === 0 || negative === 0) {
    const only = positive === 0 ? 0 : 1;
    throw new SeparationError(
      {
        kind: "separable",
        severity: "error",
        columns: [],
        message: `every row is in class ${only}: a logistic model needs rows of both classes`,
        hint: "check the target column and the positive class",
      },
      "complete",
      positive + negative,
      file,
    );
  }

  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const names = options.columnNames.slice();
  const objective = (eta: Float64Array, beta: Float64Array): { deviance: number; penalised: number } => {
    const deviance = devianceOf(eta, y, weightOf);
    let pen = 0;
    for (let j = 0; j < p; j++) pen += penalty[j]! * beta[j]! * beta[j]!;
    return { deviance, penalised: deviance + pen };
  };

  let beta: Float64Array = new Float64Array(p);
  let eta: Float64Array = new Float64Array(n);
  let current = objective(eta, beta);
  let step: Float64Array = new Float64Array(p);
  let converged = false;
  let diverging = false;
  let iterations = 0;
  let dropped: number[] = [];
  let scaledConditionNumber = 1;
  let expectedDigits = 16;
  const row = new Float64Array(p + 1);

  for (let it = 1; it <= maxIterations; it++) {
    const acc = new QrAccumulator(p + 1);
    for (let i = 0; i < n; i++) {
      const w = weightOf(i);
      if (w === 0) continue;
      const { mu, oneMinusMu, variance } = logistic(eta[i]!);
      const residual = y[i] === 1 ? oneMinusMu : -mu;
      for (let j = 0; j < p; j++) row[j] = x[i * p + j]!;
      row[p] = eta[i]! + residual / variance;
      acc.addRow(row, w * variance);
    }
    const fit = solveLeastSquares(acc, {
      columnNames: names,
      penalty,
      rankDeficient: it === 1 ? (options.rankDeficient ?? "throw") : "drop",
      conditionWarning: Infinity,
      file,
    });
    if (it === 1) dropped = fit.dropped;
    else if (fit.dropped.length > dropped.length) {
      // Weights this uneven mean some rows' probabilities are at 0 or 1: coefficients diverge.
      diverging = true;
      break;
    }
    iterations = it;
    ({ scaledConditionNumber, expectedDigits } = fit);
    let candidate = fit.coefficients;
    let candidateEta = multiply(x, n, p, candidate);
    let next = objective(candidateEta, candidate);
    for (let h = 0; h < MAX_HALVINGS && !(next.penalised <= current.penalised * (1 + 1e-12) + 1e-300); h++) {
      candidate = candidate.map((b, j) => (b + beta[j]!) / 2);
      candidateEta = multiply(x, n, p, candidate);
      next = objective(candidateEta, candidate);
    }
    step = candidate.map((b, j) => b - beta[j]!);
    const change = Math.abs(next.penalised - current.penalised) / (Math.abs(next.penalised) + 0.1);
    beta = candidate;
    eta = candidateEta;
    current = next;
    if (change < tolerance) {
      converged = true;
      break;
    }
  }

  const problems: FitProblem[] = [];
  let extremeRows = 0;
  let numericZero = 0;
  for (let i = 0; i < n; i++) {
    if (weightOf(i) === 0) continue;
    if (Math.abs(eta[i]!) > EXTREME_ETA) extremeRows++;
    const { mu, oneMinusMu } = logistic(eta[i]!);
    if (mu < NUMERIC_ZERO || oneMinusMu < NUMERIC_ZERO) numericZero++;
  }
  if (!converged || diverging || extremeRows > 0) {
    const separation = checkSeparation(x, y, weightOf, n, p, step, eta, penalty, names);
    if (separation) throw new SeparationError(separation.finding, separation.kind, separation.rows, file);
  }
  if (!converged) {
    problems.push({
      kind: "not-converged",
      severity: "warning",
      columns: [],
      message: `logistic regression did not converge in ${iterations} iterations`,
      hint: "raise the iteration limit, standardise the features, or add an L2 penalty",
    });
  }
  if (numericZero > 0) {
    problems.push({
      kind: "extreme-probabilities",
      severity: "warning",
      columns: [],
      message: `${numericZero} of ${positive + negative} rows have fitted probabilities numerically 0 or 1`,
      hint: "look for features that nearly separate the classes, or add an L2 penalty",
    });
  }

  problems.push(
    ...separatingColumns(x, y, weightOf, { n, p, penalty, names, classNames: options.classNames }),
  );

  const kept = Array.from({ length: p }, (_, j) => j).filter((j) => !dropped.includes(j));
  for (const j of dropped) beta[j] = 0;
  const standardErrors = fisherStandardErrors(x, weightOf, n, p, eta, kept, penalty);
  // The rank problems found on the first step, so a "drop" caller hears about them.
  if (dropped.length > 0) {
    const first = solveLeastSquares(initialFactor(x, weightOf, n, p), {
      columnNames: names,
      penalty,
      rankDeficient: "drop",
      conditionWarning: Infinity,
    });
    problems.unshift(...first.problems.filter((f) => f.kind !== "no-residual-df"));
  }
  return {
    columnNames: names,
    coefficients: beta,
    standardErrors,
    iterations,
    converged,
    deviance: current.deviance,
    penalizedDeviance: current.penalised,
    dropped,
    scaledConditionNumber,
    expectedDigits,
    problems,
  };
}

/** μ, 1 - μ and μ(1 - μ) without cancellation for large |η|. */
function logistic(eta: number): { mu: number; oneMinusMu: number; variance: number } {
  const e = Math.exp(-Math.abs(eta));
  const big = 1 / (1 + e);
  const small = e / (1 + e);
  return eta >= 0
    ? { mu: big, oneMinusMu: small, variance: big * small }
    : { mu: small, oneMinusMu: big, variance: big * small };
}

/** log(1 + exp(t)) without overflow. */
function softplus(t: number): number {
  return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

function devianceOf(eta: Float64Array, y: ArrayLike<number>, weightOf: (i: number) => number): number {
  let d = 0;
  for (let i = 0; i < eta.length; i++) {
    const w = weightOf(i);
    if (w === 0) continue;
    d += w * (y[i] === 1 ? softplus(-eta[i]!) : softplus(eta[i]!));
  }
  return 2 * d;
}

function multiply(x: Float64Array, n: number, p: number, b: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += x[i * p + j]! * b[j]!;
    out[i] = s;
  }
  return out;
}

/** R of the design at the starting weights (every p = 1/2), for naming rank problems. */
function initialFactor(
  x: Float64Array,
  weightOf: (i: number) => number,
  n: number,
  p: number,
): QrAccumulator {
  const acc = new QrAccumulator(p + 1);
  const row = new Float64Array(p + 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) row[j] = x[i * p + j]!;
    acc.addRow(row, weightOf(i) / 4);
  }
  return acc;
}

/** √diag (XᵀWX + Λ)⁻¹ over the kept columns, NaN elsewhere. */
function fisherStandardErrors(
  x: Float64Array,
  weightOf: (i: number) => number,
  n: number,
  p: number,
  eta: Float64Array,
  kept: readonly number[],
  penalty: readonly number[],
): Float64Array {
  const acc = new QrAccumulator(p + 1);
  const row = new Float64Array(p + 1);
  for (let i = 0; i < n; i++) {
    const w = weightOf(i);
    if (w === 0) continue;
    for (let j = 0; j < p; j++) row[j] = x[i * p + j]!;
    acc.addRow(row, w * logistic(eta[i]!).variance);
  }
  // Tolerance 0: the kept columns were already found independent; keep them all here.
  const red = reduceFactor(acc.factor(), kept, penalty, 0);
  const rank = red.accepted.length;
  const se = rowNorms(invertUpper(red.r, rank), rank, rank);
  const out = new Float64Array(p).fill(NaN);
  red.accepted.forEach((pos, i) => (out[kept[pos]!] = se[i]!));
  return out;
}

/**
 * Is the last Newton step a separating direction d over the unpenalised columns? Then
 * (2y_i - 1) x_i·d ≥ 0 on every row and > 0 on some, so the likelihood keeps rising along d
 * and no finite maximum exists. Rows on the boundary (x_i·d ≈ 0) make it quasi-separation.
 */
function checkSeparation(
  x: Float64Array,
  y: ArrayLike<number>,
  weightOf: (i: number) => number,
  n: number,
  p: number,
  step: Float64Array,
  eta: Float64Array,
  penalty: readonly number[],
  names: readonly string[],
): { finding: FitProblem; kind: "complete" | "quasi"; rows: number } | undefined {
  const d = step.map((v, j) => (penalty[j]! > 0 ? 0 : v));
  const margins: number[] = [];
  let top = 0;
  for (let i = 0; i < n; i++) {
    if (weightOf(i) === 0) continue;
    let s = 0;
    for (let j = 0; j < p; j++) s += x[i * p + j]! * d[j]!;
    const m = y[i] === 1 ? s : -s;
    margins.push(m);
    if (m > top) top = m;
  }
  // A separating step moves the separated rows' logits by about 1 per Newton step; noise after
  // an ordinary convergence is many orders smaller. Boundary rows move by far less than `top`.
  if (!(top >= 0.1)) return undefined;
  const slack = 1e-3 * top;
  if (margins.some((m) => m < -slack)) return undefined;
  // Complete when the fit itself puts every row strictly on its own side (rows close to the
  // boundary can have tiny margins along d); otherwise tied rows of both classes remain.
  let complete = true;
  for (let i = 0; i < n; i++) {
    if (weightOf(i) > 0 && !((y[i] === 1 ? eta[i]! : -eta[i]!) > 0)) complete = false;
  }
  const kind = complete ? "complete" : "quasi";
  const separated = complete ? margins.length : margins.filter((m) => m > slack).length;

  // Name the columns that carry the direction, in units of each column's spread.
  const spread = new Float64Array(p);
  const constant = new Array<boolean>(p).fill(true);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * p + j]!;
      s += v * v;
      if (v !== x[j]) constant[j] = false;
    }
    spread[j] = Math.sqrt(s / n) * Math.abs(d[j]!);
  }
  const largest = Math.max(...spread);
  let columns = names.filter((_, j) => spread[j]! >= 1e-3 * largest && !constant[j]);
  if (columns.length === 0) columns = names.filter((_, j) => spread[j]! >= 1e-3 * largest);
  const by = listNames(columns);
  return {
    kind,
    rows: separated,
    finding: {
      kind: "separable",
      severity: "error",
      columns,
      message:
        kind === "complete"
          ? `the classes are perfectly separated by ${by}: the maximum-likelihood coefficients are infinite`
          : `the classes are quasi-separated by ${by}: ${separated} of ${margins.length} rows are fitted with ` +
            `probability 0 or 1 and the maximum-likelihood coefficients are infinite`,
      hint: `add an L2 penalty on ${by}, or remove ${columns.length === 1 ? "it" : "them"} from the features`,
    },
  };
}

/**
 * Penalised columns that alone (quasi-)separate the classes: every row of one class has a value
 * at least every row of the other class has (a category level in which every row is one class
 * is the usual case). Without the penalty their coefficients would be infinite; with it they
 * are finite but set by the penalty, which the user should hear about. Directions that need
 * several columns together are not looked for here (that takes a linear program).
 */
export function separatingColumns(
  x: Float64Array,
  y: ArrayLike<number>,
  weightOf: (i: number) => number,
  shape: {
    n: number;
    p: number;
    penalty: readonly number[];
    names: readonly string[];
    classNames?: readonly [string, string] | undefined;
  },
): FitProblem[] {
  const { n, p, penalty, names } = shape;
  const [class0, class1] = shape.classNames ?? ["class 0", "class 1"];
  const problems: FitProblem[] = [];
  for (let j = 0; j < p; j++) {
    if (!(penalty[j]! > 0)) continue;
    let min0 = Infinity;
    let max0 = -Infinity;
    let min1 = Infinity;
    let max1 = -Infinity;
    let indicator = true;
    for (let i = 0; i < n; i++) {
      if (weightOf(i) === 0) continue;
      const v = x[i * p + j]!;
      if (v !== 0 && v !== 1) indicator = false;
      if (y[i] === 1) {
        if (v < min1) min1 = v;
        if (v > max1) max1 = v;
      } else {
        if (v < min0) min0 = v;
        if (v > max0) max0 = v;
      }
    }
    if (Math.min(min0, min1) === Math.max(max0, max1)) continue; // constant: no direction
    const up = max0 <= min1; // higher values only in class 1
    const down = max1 <= min0;
    if (!up && !down) continue;
    const name = names[j]!;
    let what: string;
    if (indicator) {
      // Which side of the indicator is pure: the rows where it is 1, or where it is 0.
      const onesPure = up ? max0 === 0 : max1 === 0;
      const side = onesPure ? 1 : 0;
      let count = 0;
      for (let i = 0; i < n; i++) if (weightOf(i) > 0 && x[i * p + j] === side) count++;
      what = `all ${count} train rows where ${name} is ${side} are ${onesPure === up ? class1 : class0}`;
    } else {
      what = `every ${up ? class1 : class0} row has a value of ${name} at least as large as every ${up ? class0 : class1} row's`;
    }
    problems.push({
      kind: "separating-column",
      severity: "warning",
      columns: [name],
      message:
        `${name} separates the classes (${what}): without a penalty its coefficient would be infinite; ` +
        `the L2 penalty (alpha) keeps it finite, so its size is set by the penalty rather than by the data`,
      hint: "check that the column does not leak the target; merge rare levels, remove the feature, or raise alpha",
    });
  }
  return problems;
}
