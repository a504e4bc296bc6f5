/**
 * Logistic regression by IRLS as a machine fed one pass over the rows at a time, so the rows
 * can come from memory or stream from a file: memory is O(columns²) whatever the row count.
 *
 * Each pass evaluates one coefficient vector b: the penalised deviance at b, and the weighted
 * least-squares system of the Newton step from b (rows √(w μ(1-μ)) [x | η + (y-μ)/(μ(1-μ))]
 * folded into a QR factor). After the pass, b is accepted (or halved back towards the last
 * accepted point when the deviance rose) and the next step is solved from the factor. So every
 * Newton iteration costs one pass; a halving costs one more. When the fit ends without
 * converging, or with rows at probability 0 or 1, one or two more passes check for separation.
 */
import { SeparationError, listNames, type FitProblem } from "./fit-problems.js";
import { QrAccumulator } from "./qr-accumulator.js";
import { reduceFactor, solveLeastSquares } from "./solve-least-squares.js";
import { invertUpper, rowNorms } from "./triangular-algebra.js";

/** |η| beyond this (p within 1e-8 of 0 or 1) is a sign the coefficients may be diverging. */
const EXTREME_ETA = 18.4;
/** R's glm warns below 10 ε: probabilities that are numerically 0 or 1. */
const NUMERIC_ZERO = 10 * Number.EPSILON;
const MAX_HALVINGS = 30;

export interface IrlsSettings {
  names: readonly string[];
  penalty: readonly number[];
  maxIterations: number;
  tolerance: number;
  rankDeficient: "throw" | "drop";
  file: string;
  classNames?: readonly [string, string] | undefined;
}

/** What a pass over the rows is for. */
type Phase = "fit" | "separation" | "separation-count" | "done";

/** Per column, over rows of positive weight: class-wise range, indicator-ness, Σ x². */
interface ColumnSummary {
  min: [Float64Array, Float64Array];
  max: [Float64Array, Float64Array];
  ones: [Float64Array, Float64Array];
  indicator: boolean[];
  sumSquares: Float64Array;
}

/** The result before standard errors and problems are put together (see fit-logistic-regression.ts). */
export interface IrlsOutcome {
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
  /** Rows of positive weight, by class. */
  classCounts: [number, number];
  /** Passes over the rows the fit took. */
  passes: number;
}

/** IRLS fed a pass at a time: `beginPass`, `addRow` for every row, `endPass`, until `done`. */
export class LogisticIrls {
  private readonly p: number;
  private phase: Phase = "fit";
  private beta: Float64Array;
  private accepted: Float64Array;
  private current = { deviance: 0, penalised: 0 };
  private step: Float64Array;
  private solves = 0;
  private halvings = 0;
  private converged = false;
  private dropped: number[] = [];
  private scaledConditionNumber = 1;
  private expectedDigits = 16;
  private passes = 0;
  private firstFactor: QrAccumulator | undefined;
  private acceptedFactor: QrAccumulator | undefined;
  private acceptedExtremes = { extreme: 0, numericZero: 0 };
  private readonly summary: ColumnSummary;
  private readonly classCounts: [number, number] = [0, 0];
  // The pass under way.
  private acc: QrAccumulator;
  private readonly row: Float64Array;
  private deviance = 0;
  private extreme = 0;
  private numericZero = 0;
  private passRows: [number, number] = [0, 0];
  // Separation passes.
  private direction: Float64Array = new Float64Array(0);
  private top = 0;
  private lowest = Infinity;
  private allOnTheirSide = true;
  private beyondSlack = 0;
  private separationRows = 0;

  constructor(private readonly settings: IrlsSettings) {
    this.p = settings.names.length;
    const p = this.p;
    this.beta = new Float64Array(p);
    this.accepted = new Float64Array(p);
    this.step = new Float64Array(p);
    this.acc = new QrAccumulator(p + 1);
    this.row = new Float64Array(p + 1);
    const filled = (v: number) => [new Float64Array(p).fill(v), new Float64Array(p).fill(v)] as const;
    this.summary = {
      min: [...filled(Infinity)] as [Float64Array, Float64Array],
      max: [...filled(-Infinity)] as [Float64Array, Float64Array],
      ones: [...filled(0)] as [Float64Array, Float64Array],
      indicator: new Array<boolean>(p).fill(true),
      sumSquares: new Float64Array(p),
    };
  }

  /** Whether the fit is over (`outcome()` gives the result). */
  get done(): boolean {
    return this.phase === "done";
  }

  /** The coefficients this pass evaluates (callers that score rows as they go may read them). */
  get coefficients(): Float64Array {
    return this.beta;
  }

  beginPass(): void {
    if (this.phase === "done") throw new Error("the fit is over");
    this.passes++;
    this.deviance = 0;
    this.extreme = 0;
    this.numericZero = 0;
    this.passRows = [0, 0];
    if (this.phase === "fit") this.acc = new QrAccumulator(this.p + 1);
    if (this.phase === "separation") {
      this.top = 0;
      this.lowest = Infinity;
      this.allOnTheirSide = true;
      this.separationRows = 0;
    }
    if (this.phase === "separation-count") this.beyondSlack = 0;
  }

  /** One row: x (p values), y in {0, 1}, weight ≥ 0 (a row of weight 0 is skipped). */
  addRow(x: ArrayLike<number>, y: number, w: number): void {
    if (w === 0) return;
    const p = this.p;
    if (this.phase === "fit") {
      let eta = 0;
      for (let j = 0; j < p; j++) eta += (x[j] as number) * this.beta[j]!;
      this.deviance += w * (y === 1 ? softplus(-eta) : softplus(eta));
      if (Math.abs(eta) > EXTREME_ETA) this.extreme++;
      const { mu, oneMinusMu, variance } = logistic(eta);
      if (mu < NUMERIC_ZERO || oneMinusMu < NUMERIC_ZERO) this.numericZero++;
      const row = this.row;
      for (let j = 0; j < p; j++) row[j] = x[j] as number;
      row[p] = eta + (y === 1 ? oneMinusMu : -mu) / variance;
      this.acc.addRow(row, w * variance);
      this.passRows[y === 1 ? 1 : 0]++;
      if (this.solves === 0) this.summarise(x, y);
      return;
    }
    let s = 0;
    let eta = 0;
    for (let j = 0; j < p; j++) {
      s += (x[j] as number) * this.direction[j]!;
      eta += (x[j] as number) * this.accepted[j]!;
    }
    const margin = y === 1 ? s : -s;
    if (this.phase === "separation") {
      this.separationRows++;
      if (margin > this.top) this.top = margin;
      if (margin < this.lowest) this.lowest = margin;
      if (!((y === 1 ? eta : -eta) > 0)) this.allOnTheirSide = false;
    } else if (margin > 1e-3 * this.top) this.beyondSlack++;
  }

  /**
   * Decides what the pass showed: accept, halve, solve the next step, or end the fit.
   * @throws SeparationError, RankDeficiencyError (on the first step, unless dropping).
   */
  endPass(): void {
    if (this.phase === "fit") this.endFitPass();
    else if (this.phase === "separation") this.endSeparationPass();
    else if (this.phase === "separation-count") this.throwSeparation("quasi", this.beyondSlack);
  }

  private summarise(x: ArrayLike<number>, y: number): void {
    const s = this.summary;
    const c = y === 1 ? 1 : 0;
    for (let j = 0; j < this.p; j++) {
      const v = x[j] as number;
      if (v < s.min[c][j]!) s.min[c][j] = v;
      if (v > s.max[c][j]!) s.max[c][j] = v;
      if (v === 1) s.ones[c][j]!++;
      else if (v !== 0) s.indicator[j] = false;
      s.sumSquares[j] = s.sumSquares[j]! + v * v;
    }
  }

  private objective(): { deviance: number; penalised: number } {
    const deviance = 2 * this.deviance;
    let pen = 0;
    for (let j = 0; j < this.p; j++) pen += this.settings.penalty[j]! * this.beta[j]! * this.beta[j]!;
    return { deviance, penalised: deviance + pen };
  }

  private endFitPass(): void {
    const next = this.objective();
    if (this.solves === 0) {
      this.classCounts[0] = this.passRows[0];
      this.classCounts[1] = this.passRows[1];
      if (this.passRows[0] === 0 || this.passRows[1] === 0) {
        const only = this.passRows[0] === 0 ? 1 : 0;
        throw new SeparationError(
          {
            kind: "separable",
            severity: "error",
            columns: [],
            message: `every row is in class ${only}: a logistic model needs rows of both classes`,
            hint: "check the target column and the positive class",
          },
          "complete",
          this.passRows[0] + this.passRows[1],
          this.settings.file,
        );
      }
      this.current = next;
      this.firstFactor = this.acc;
      this.accept();
    } else {
      if (
        !(next.penalised <= this.current.penalised * (1 + 1e-12) + 1e-300) &&
        this.halvings < MAX_HALVINGS
      ) {
        this.halvings++;
        this.beta = this.beta.map((b, j) => (b + this.accepted[j]!) / 2);
        return;
      }
      this.step = this.beta.map((b, j) => b - this.accepted[j]!);
      const change = Math.abs(next.penalised - this.current.penalised) / (Math.abs(next.penalised) + 0.1);
      this.current = next;
      this.accept();
      if (change < this.settings.tolerance) {
        this.converged = true;
        return this.finishFit(false);
      }
    }
    if (this.solves === this.settings.maxIterations) return this.finishFit(false);
    this.solveStep();
  }

  private accept(): void {
    this.accepted = this.beta.slice();
    this.acceptedFactor = this.acc;
    this.acceptedExtremes = { extreme: this.extreme, numericZero: this.numericZero };
  }

  private solveStep(): void {
    const first = this.solves === 0;
    const fit = solveLeastSquares(this.acc, {
      columnNames: this.settings.names,
      penalty: this.settings.penalty,
      rankDeficient: first ? this.settings.rankDeficient : "drop",
      conditionWarning: Infinity,
      file: this.settings.file,
    });
    if (first) this.dropped = fit.dropped;
    else if (fit.dropped.length > this.dropped.length) {
      // Weights this uneven mean some rows' probabilities are at 0 or 1: coefficients diverge.
      return this.finishFit(true);
    }
    this.solves++;
    this.scaledConditionNumber = fit.scaledConditionNumber;
    this.expectedDigits = fit.expectedDigits;
    this.beta = fit.coefficients;
    this.halvings = 0;
  }

  private finishFit(diverging: boolean): void {
    this.beta = this.accepted;
    if (!this.converged || diverging || this.acceptedExtremes.extreme > 0) {
      this.direction = this.step.map((v, j) => (this.settings.penalty[j]! > 0 ? 0 : v));
      this.phase = "separation";
    } else this.phase = "done";
  }

  private endSeparationPass(): void {
    // A separating step moves the separated rows' logits by about 1 per Newton step; noise after
    // an ordinary convergence is many orders smaller. Boundary rows move by far less than `top`.
    if (!(this.top >= 0.1) || this.lowest < -1e-3 * this.top) {
      this.phase = "done";
      return;
    }
    // Complete when the fit itself puts every row strictly on its own side (rows close to the
    // boundary can have tiny margins along d); otherwise tied rows of both classes remain.
    if (this.allOnTheirSide) this.throwSeparation("complete", this.separationRows);
    this.phase = "separation-count";
  }

  private throwSeparation(kind: "complete" | "quasi", rows: number): never {
    this.phase = "done";
    const { names } = this.settings;
    const d = this.direction;
    const s = this.summary;
    const total = this.classCounts[0] + this.classCounts[1];
    // Name the columns that carry the direction, in units of each column's spread.
    const spread = d.map((v, j) => Math.sqrt(s.sumSquares[j]! / total) * Math.abs(v));
    const constant = names.map(
      (_, j) => Math.min(s.min[0][j]!, s.min[1][j]!) === Math.max(s.max[0][j]!, s.max[1][j]!),
    );
    const largest = Math.max(...spread);
    let columns = names.filter((_, j) => spread[j]! >= 1e-3 * largest && !constant[j]);
    if (columns.length === 0) columns = names.filter((_, j) => spread[j]! >= 1e-3 * largest);
    const by = listNames(columns);
    throw new SeparationError(
      {
        kind: "separable",
        severity: "error",
        columns,
        message:
          kind === "complete"
            ? `the classes are perfectly separated by ${by}: the maximum-likelihood coefficients are infinite`
            : `the classes are quasi-separated by ${by}: ${rows} of ${this.separationRows} rows are fitted with ` +
              `probability 0 or 1 and the maximum-likelihood coefficients are infinite`,
        hint: `add an L2 penalty on ${by}, or remove ${columns.length === 1 ? "it" : "them"} from the features`,
      },
      kind,
      rows,
      this.settings.file,
    );
  }

  /** The fit, once `done`. */
  outcome(): IrlsOutcome {
    if (this.phase !== "done") throw new Error("the fit is not over");
    const { names, penalty } = this.settings;
    const p = this.p;
    const problems: FitProblem[] = [];
    if (!this.converged) {
      problems.push({
        kind: "not-converged",
        severity: "warning",
        columns: [],
        message: `logistic regression did not converge in ${this.solves} iterations`,
        hint: "raise the iteration limit, standardise the features, or add an L2 penalty",
      });
    }
    const total = this.classCounts[0] + this.classCounts[1];
    if (this.acceptedExtremes.numericZero > 0) {
      problems.push({
        kind: "extreme-probabilities",
        severity: "warning",
        columns: [],
        message: `${this.acceptedExtremes.numericZero} of ${total} rows have fitted probabilities numerically 0 or 1`,
        hint: "look for features that nearly separate the classes, or add an L2 penalty",
      });
    }
    problems.push(...separatingColumns(this.summary, penalty, names, this.settings.classNames));
    const coefficients = this.accepted.slice();
    const kept = Array.from({ length: p }, (_, j) => j).filter((j) => !this.dropped.includes(j));
    for (const j of this.dropped) coefficients[j] = 0;
    // √diag (XᵀWX + Λ)⁻¹ at the solution, from the x part of the last accepted pass's factor.
    // Tolerance 0: the kept columns were already found independent; keep them all here.
    const red = reduceFactor(this.acceptedFactor!.factor(), kept, penalty, 0);
    const rank = red.accepted.length;
    const se = rowNorms(invertUpper(red.r, rank), rank, rank);
    const standardErrors = new Float64Array(p).fill(NaN);
    red.accepted.forEach((pos, i) => (standardErrors[kept[pos]!] = se[i]!));
    // The rank problems found on the first step, so a "drop" caller hears about them.
    if (this.dropped.length > 0) {
      const first = solveLeastSquares(this.firstFactor!, {
        columnNames: names,
        penalty,
        rankDeficient: "drop",
        conditionWarning: Infinity,
      });
      problems.unshift(...first.problems.filter((f) => f.kind !== "no-residual-df"));
    }
    return {
      coefficients,
      standardErrors,
      iterations: this.solves,
      converged: this.converged,
      deviance: this.current.deviance,
      penalizedDeviance: this.current.penalised,
      dropped: this.dropped,
      scaledConditionNumber: this.scaledConditionNumber,
      expectedDigits: this.expectedDigits,
      problems,
      classCounts: [...this.classCounts],
      passes: this.passes,
    };
  }
}

/** μ, 1 - μ and μ(1 - μ) without cancellation for large |η|. */
export function logistic(eta: number): { mu: number; oneMinusMu: number; variance: number } {
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

/**
 * Penalised columns that alone (quasi-)separate the classes: every row of one class has a value
 * at least every row of the other class has (a category level in which every row is one class
 * is the usual case). Without the penalty their coefficients would be infinite; with it they
 * are finite but set by the penalty, which the user should hear about. Directions that need
 * several columns together are not looked for here (that takes a linear program).
 */
function separatingColumns(
  s: ColumnSummary,
  penalty: readonly number[],
  names: readonly string[],
  classNames: readonly [string, string] | undefined,
): FitProblem[] {
  const [class0, class1] = classNames ?? ["class 0", "class 1"];
  const problems: FitProblem[] = [];
  for (let j = 0; j < names.length; j++) {
    if (!(penalty[j]! > 0)) continue;
    const [min0, min1] = [s.min[0][j]!, s.min[1][j]!];
    const [max0, max1] = [s.max[0][j]!, s.max[1][j]!];
    if (Math.min(min0, min1) === Math.max(max0, max1)) continue; // constant: no direction
    const up = max0 <= min1; // higher values only in class 1
    const down = max1 <= min0;
    if (!up && !down) continue;
    const name = names[j]!;
    let what: string;
    if (s.indicator[j]) {
      // Which side of the indicator is pure: the rows where it is 1, or where it is 0.
      const onesPure = up ? max0 === 0 : max1 === 0;
      const side = onesPure ? 1 : 0;
      const ones = s.ones[0][j]! + s.ones[1][j]!;
      const count = onesPure ? ones : 0;
      what = onesPure
        ? `all ${count} train rows where ${name} is ${side} are ${onesPure === up ? class1 : class0}`
        : `every train row where ${name} is 0 is ${up ? class0 : class1}`;
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
