/**
 * Binary logistic regression by iteratively reweighted least squares: each Newton step is a
 * weighted (ridge) least squares solve on the QR solver, so the same rank checks and column
 * names apply. Separable classes, which have no finite maximum-likelihood solution, are
 * detected and reported instead of returning ever larger coefficients. The iteration itself is
 * `LogisticIrls` (logistic-irls.ts), fed one pass over the rows at a time; this file feeds it an
 * in-memory design.
 */
import { DEFAULT_SOURCE, SeparationError } from "./fit-problems.js";
import { LogisticIrls, type IrlsOutcome, type IrlsSettings } from "./logistic-irls.js";

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

/** A fitted logistic regression: the IRLS outcome with its columns' names. */
export interface LogisticFit extends Omit<IrlsOutcome, "classCounts" | "passes"> {
  columnNames: string[];
}

const DEFAULT_MAX_ITERATIONS = 50;
const DEFAULT_TOLERANCE = 1e-10;

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

  const irls = new LogisticIrls(irlsSettings(options, p));
  const row = new Float64Array(p);
  while (!irls.done) {
    irls.beginPass();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) row[j] = x[i * p + j]!;
      irls.addRow(row, y[i] as number, weightOf(i));
    }
    irls.endPass();
  }
  return logisticFitOf(irls.outcome(), options.columnNames);
}

/** The IRLS settings of the options, with their defaults, for a design of p columns. */
export function irlsSettings(options: LogisticOptions, p: number): IrlsSettings {
  return {
    names: options.columnNames,
    penalty: options.penalty ?? new Array<number>(p).fill(0),
    maxIterations: options.maxIterations ?? DEFAULT_MAX_ITERATIONS,
    tolerance: options.tolerance ?? DEFAULT_TOLERANCE,
    rankDeficient: options.rankDeficient ?? "throw",
    file: options.file ?? DEFAULT_SOURCE,
    classNames: options.classNames,
  };
}

/** A LogisticFit from the machine's outcome. */
export function logisticFitOf(o: IrlsOutcome, columnNames: readonly string[]): LogisticFit {
  return {
    columnNames: columnNames.slice(),
    coefficients: o.coefficients,
    standardErrors: o.standardErrors,
    iterations: o.iterations,
    converged: o.converged,
    deviance: o.deviance,
    penalizedDeviance: o.penalizedDeviance,
    dropped: o.dropped,
    scaledConditionNumber: o.scaledConditionNumber,
    expectedDigits: o.expectedDigits,
    problems: o.problems,
  };
}
