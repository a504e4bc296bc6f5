/**
 * The numerical core of training: a streaming, mergeable QR factor of [X | y], least squares
 * and ridge solved from it with problems named by column, the exact squared error of a held-out
 * block from its own factor, and logistic regression by IRLS on the same solver.
 */
export {
  QrAccumulator,
  NonFiniteValueError,
  QR_STATE_FORMAT,
  type QrAccumulatorOptions,
  type QrState,
  type TriangularFactor,
} from "./qr-accumulator.js";
export {
  solveLeastSquares,
  heldOutSquaredError,
  DEFAULT_RANK_TOLERANCE,
  DEFAULT_CONDITION_WARNING,
  type SolveOptions,
  type LeastSquaresFit,
} from "./solve-least-squares.js";
export {
  RankDeficiencyError,
  SeparationError,
  type FitProblem,
  type FitProblemKind,
} from "./fit-problems.js";
export { fitLogisticRegression, type LogisticOptions, type LogisticFit } from "./fit-logistic-regression.js";
